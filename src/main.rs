use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = pacer::cli::Cli::parse();
    match pacer::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
