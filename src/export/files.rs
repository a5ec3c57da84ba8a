//! The export's files: written under temporary names in the output directory and renamed
//! into place together once all are complete. Dropped before [`Staged::commit`] (an error
//! part-way), the temporary files are removed and any earlier export stays as it was.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub struct Staged {
    dir: PathBuf,
    /// (temporary path, final path) of each file created so far.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    pub fn new(dir: &Path) -> Self {
        Staged {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        }
    }

    /// Create `name`'s temporary file; the file and the path it will have.
    pub fn create(&mut self, name: &str) -> anyhow::Result<(File, PathBuf)> {
        let temp = self.dir.join(format!(".{name}.partial"));
        let path = self.dir.join(name);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .with_context(|| format!("cannot write {}", temp.display()))?;
        self.files.push((temp, path.clone()));
        Ok((file, path))
    }

    /// Move every file to its final name.
    pub fn commit(mut self) -> anyhow::Result<()> {
        for (temp, path) in std::mem::take(&mut self.files) {
            std::fs::rename(&temp, &path)
                .with_context(|| format!("cannot move {} into place", path.display()))?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temp, _) in &self.files {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Which of `names` already exist in `dir`.
pub fn existing(dir: &Path, names: &[String]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.exists())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_left_behind_unless_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut staged = Staged::new(dir.path());
        staged.create("a.csv").unwrap();
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let mut staged = Staged::new(dir.path());
        staged.create("a.csv").unwrap();
        staged.commit().unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["a.csv"]);
        assert_eq!(
            existing(dir.path(), &["a.csv".into(), "b.csv".into()]).len(),
            1
        );
    }
}
