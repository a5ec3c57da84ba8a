//! Checks on the migration trees: a landed migration is never edited (sqlx refuses to start on a
//! database migrated with other text), and the SQLite and PostgreSQL trees describe the same
//! tables, columns and indexes.

use std::collections::{BTreeMap, BTreeSet};

/// The SHA-384 of every landed migration, as sqlx records it. A new migration is added here
/// when it lands; an existing line never changes.
const LANDED: &[(&str, i64, &str)] = &[
    (
        "sqlite",
        1,
        "35278d4fce1f4076d65b808b5cdfa17df441e253e9dee9e1688e43e585d2eabeea20dcf2c5cfc64045a06c11ca48a780",
    ),
    (
        "sqlite",
        2,
        "59c3abb4770d38507671b69cdd905dac71fe0b37614e1ce742084b00e325a9d81a70afd07ca7bd1c7297ef8dc35723a6",
    ),
    (
        "sqlite",
        3,
        "702b8d83240ecf53c046d46b6f78abe6d38aaabd3517f8c07c482d65c1b276a99f840439c9597a65b5beab3809d3a00c",
    ),
    (
        "sqlite",
        4,
        "0478659ef9dfb57c210a5359aa1d095541eb283153bc0ad5efdbe8c03672c6ab2193d5b0c11077e04b2441eaf75d0e7a",
    ),
    (
        "sqlite",
        5,
        "301ebd344bfe6c820d9b2b8b9376306a76f61e51707fec0992d67102cac5fabc2a8e0d0fb17b3b853acd3a4ee8223023",
    ),
    (
        "sqlite",
        6,
        "191dc8e167f7f461a7771dcb43dcb04d99859aa8d07ad2559afd5e6de0ef77889a369200c8f2a3c5b8eab8ebee53df98",
    ),
    (
        "sqlite",
        7,
        "fd09520a8bbcf02ced34e74510313a3bfd2001978d3b20d7d8fce32e779df5f7b098db04cc18a5c8dcc0733396bec9aa",
    ),
    (
        "sqlite",
        8,
        "85450edc9109498ffa87a88defb544520ff1318463418e59568d7bca0d1e48e684122b529dd3e935906f342db0e5707e",
    ),
    (
        "sqlite",
        9,
        "be6ec5d9cddcb21ee051d069c98677cc289249707ac1be408fbf1fabf9d32e24626600f5b059b31aab2c068ce8306b9e",
    ),
    (
        "sqlite",
        10,
        "6a5f4d4a7ff6c21c1967445a293b410e5079131467748951b25381e7dfa25acfae9d98d93c94818c23b68702c6df5be0",
    ),
    (
        "sqlite",
        11,
        "4b8a4ed83f3aa96db9e408bea3313eb9eed2705fbc8300096adab3c38902b1844cd06d2cf3ddd613a6fcf1a539a21bb2",
    ),
    (
        "sqlite",
        12,
        "80c02fa166018cd1e04f1f4a88a3b09ebd4b96c6e77d7067794e0936e04d65dd1a179a2cfcccd1981dc24552377be9b5",
    ),
    (
        "sqlite",
        13,
        "d61a84b9446b6b4849b48151c15c098faf78728e2e7e881dcf0431bbd527eafad3cd284975a7ada31a1ff505e563cdc1",
    ),
    (
        "sqlite",
        14,
        "5126cb04face5d6b7303a1c70abc327df306492e130c9694b1f89141b5c53fc5bae507398fe7cfcce58c7705ca41efb7",
    ),
    (
        "sqlite",
        15,
        "f4bf1246648f9fbc33cbba4319848a00a605ed5f861023d1093e9a3544015535beb02ca517a9b5a3974ad5c64fecc61c",
    ),
    (
        "sqlite",
        16,
        "e805dac1ddf5731dbfd37ddec9238d431ba3dbaba0b9faced76e08051193143581014e20176ef01fd98ad807f5d181e5",
    ),
    (
        "sqlite",
        17,
        "e70d3fc14479f23c572df8dd7c5af4ea9cd358b9cc9335b7b9db64cb1ad175b347e90fd6ccc0c6d799a5e437c4f26e3f",
    ),
    (
        "sqlite",
        18,
        "a59c8c4b4c3d2c8232bd3678b40336b43915c663f6732dd052b9fce50feda8428e210eddc1da3b819e66caa73a817d2d",
    ),
    (
        "sqlite",
        19,
        "8db63a6e4fd476b0ab0a3e30673a9e53d04844cc035a975d6ba34743577e68e7ef11d68d03efdf935b739b1070df118c",
    ),
    (
        "postgres",
        1,
        "1a5a3f7aea096e9aeea96e0039bc963dca0f5975f8bf09f5b54500e875de3f2012c0207ae495ccd83afe01763402e618",
    ),
    (
        "postgres",
        2,
        "058bbd50815880c9fe90091f501f46ec654d802887415e26ec15bc1ab7304eb1dcfe3b79b90ee52a2a35f752693f1433",
    ),
    (
        "postgres",
        3,
        "702b8d83240ecf53c046d46b6f78abe6d38aaabd3517f8c07c482d65c1b276a99f840439c9597a65b5beab3809d3a00c",
    ),
    (
        "postgres",
        4,
        "0478659ef9dfb57c210a5359aa1d095541eb283153bc0ad5efdbe8c03672c6ab2193d5b0c11077e04b2441eaf75d0e7a",
    ),
    (
        "postgres",
        5,
        "301ebd344bfe6c820d9b2b8b9376306a76f61e51707fec0992d67102cac5fabc2a8e0d0fb17b3b853acd3a4ee8223023",
    ),
    (
        "postgres",
        6,
        "191dc8e167f7f461a7771dcb43dcb04d99859aa8d07ad2559afd5e6de0ef77889a369200c8f2a3c5b8eab8ebee53df98",
    ),
    (
        "postgres",
        7,
        "fd09520a8bbcf02ced34e74510313a3bfd2001978d3b20d7d8fce32e779df5f7b098db04cc18a5c8dcc0733396bec9aa",
    ),
    (
        "postgres",
        8,
        "236ac8c5846ee020aae6ecad5b00a692388f81242065cf96ab000bca232e0e66e6bda8057ca5e780879d1fd5b914bbed",
    ),
    (
        "postgres",
        9,
        "02288290965eaf5b5b7908153ff4d2dd7eb55b1b0bc40e7d67e80eb2dd62fc904cbd1d90e74ea97543d7e71bb0f295c2",
    ),
    (
        "postgres",
        10,
        "6a5f4d4a7ff6c21c1967445a293b410e5079131467748951b25381e7dfa25acfae9d98d93c94818c23b68702c6df5be0",
    ),
    (
        "postgres",
        11,
        "4b8a4ed83f3aa96db9e408bea3313eb9eed2705fbc8300096adab3c38902b1844cd06d2cf3ddd613a6fcf1a539a21bb2",
    ),
    (
        "postgres",
        12,
        "c55ddf4980fda97a04df0cf78e6b2095bb5c472631c1363c56f1d9a5fe253dd90ecace5d60a11e49d383cea8acb24241",
    ),
    (
        "postgres",
        13,
        "d61a84b9446b6b4849b48151c15c098faf78728e2e7e881dcf0431bbd527eafad3cd284975a7ada31a1ff505e563cdc1",
    ),
    (
        "postgres",
        14,
        "22fd7cd0bf2cdfa0c1c83051dd3d374b5d2f2464d422e45fbe6ba8e2919cab64622a16520d95829aae9d058fa79004f5",
    ),
    (
        "postgres",
        15,
        "2c7dbaca91041e3a8bfd812d6c10e9253564ffcdfe52a35a671c8fe874bb0944a3fd393b45ebaae193a6a79829ce0eae",
    ),
    (
        "postgres",
        16,
        "e805dac1ddf5731dbfd37ddec9238d431ba3dbaba0b9faced76e08051193143581014e20176ef01fd98ad807f5d181e5",
    ),
    (
        "postgres",
        17,
        "e70d3fc14479f23c572df8dd7c5af4ea9cd358b9cc9335b7b9db64cb1ad175b347e90fd6ccc0c6d799a5e437c4f26e3f",
    ),
    (
        "postgres",
        18,
        "a59c8c4b4c3d2c8232bd3678b40336b43915c663f6732dd052b9fce50feda8428e210eddc1da3b819e66caa73a817d2d",
    ),
    (
        "postgres",
        19,
        "8db63a6e4fd476b0ab0a3e30673a9e53d04844cc035a975d6ba34743577e68e7ef11d68d03efdf935b739b1070df118c",
    ),
];

fn trees() -> [(&'static str, sqlx::migrate::Migrator); 2] {
    [
        ("sqlite", sqlx::migrate!("migrations/sqlite")),
        ("postgres", sqlx::migrate!("migrations/postgres")),
    ]
}

#[test]
fn landed_migrations_keep_their_checksums() {
    for (tree, migrator) in trees() {
        for m in migrator.iter() {
            let found = hex::encode(&m.checksum);
            let pinned = LANDED
                .iter()
                .find(|(t, v, _)| *t == tree && *v == m.version)
                .unwrap_or_else(|| {
                    panic!(
                        "{tree} migration {} ({}) is not pinned: add (\"{tree}\", {}, \"{found}\") to LANDED",
                        m.version, m.description, m.version
                    )
                });
            assert_eq!(
                pinned.2, found,
                "{tree} migration {} ({}) was edited after it landed: add a new migration instead",
                m.version, m.description
            );
        }
        let count = LANDED.iter().filter(|(t, _, _)| *t == tree).count();
        assert_eq!(
            count,
            migrator.iter().count(),
            "a landed {tree} migration was removed"
        );
    }
}

/// Tables with their columns, and indexes with their table and columns.
#[derive(Debug, Default, PartialEq)]
struct Schema {
    tables: BTreeMap<String, BTreeSet<String>>,
    indexes: BTreeMap<String, String>,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_ascii_lowercase).collect()
}

/// Split at commas outside parentheses.
fn top_level_items(body: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0usize, Vec::new());
    for (i, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&body[start..]);
    out
}

fn apply(schema: &mut Schema, sql: &str) {
    let text: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    for stmt in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let w = words(stmt);
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        match w.as_slice() {
            ["create", "table", rest @ ..] => {
                let name = rest
                    .iter()
                    .find(|x| !matches!(**x, "if" | "not" | "exists"))
                    .unwrap()
                    .trim_end_matches('(')
                    .to_string();
                let open = stmt.find('(').unwrap();
                let close = stmt.rfind(')').unwrap();
                let columns = top_level_items(&stmt[open + 1..close])
                    .into_iter()
                    .filter_map(|item| item.split_whitespace().next())
                    .map(str::to_ascii_lowercase)
                    .filter(|first| {
                        !matches!(
                            first.as_str(),
                            "primary" | "unique" | "foreign" | "check" | "constraint"
                        )
                    })
                    .collect();
                schema.tables.insert(name, columns);
            }
            ["create", "index" | "unique", ..] => {
                let on = w.iter().position(|x| *x == "on").unwrap();
                let name = w[on - 1].to_string();
                let target: String = w[on + 1..].concat();
                let unique = if w[1] == "unique" { "unique " } else { "" };
                schema.indexes.insert(name, format!("{unique}{target}"));
            }
            ["alter", "table", table, "add", "column", column, ..] => {
                schema
                    .tables
                    .get_mut(*table)
                    .unwrap_or_else(|| panic!("ALTER of unknown table {table}"))
                    .insert(column.to_string());
            }
            ["alter", "table", table, "drop", "column", column, ..] => {
                if let Some(t) = schema.tables.get_mut(*table) {
                    t.remove(*column);
                }
            }
            ["drop", "index", .., name] => {
                schema.indexes.remove(*name);
            }
            ["drop", "table", .., name] => {
                schema.tables.remove(*name);
            }
            _ => panic!("the schema check does not know this statement: {stmt}"),
        }
    }
}

#[test]
fn sqlite_and_postgresql_trees_have_the_same_tables_columns_and_indexes() {
    let mut schemas = Vec::new();
    for (tree, migrator) in trees() {
        let mut schema = Schema::default();
        for m in migrator.iter() {
            apply(&mut schema, &m.sql);
        }
        assert!(schema.tables.len() > 10, "{tree}: {schema:?}");
        schemas.push(schema);
    }
    assert_eq!(schemas[0].tables, schemas[1].tables);
    assert_eq!(schemas[0].indexes, schemas[1].indexes);
}

#[test]
fn the_schema_check_sees_a_missing_column() {
    let mut a = Schema::default();
    apply(
        &mut a,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT, PRIMARY KEY (id, x));",
    );
    let mut b = Schema::default();
    apply(
        &mut b,
        "CREATE TABLE t (\n id BIGINT, -- note, with a comma\n x TEXT\n);",
    );
    assert_eq!(a, b);
    apply(
        &mut b,
        "ALTER TABLE t ADD COLUMN y TEXT; CREATE INDEX t_y ON t (y);",
    );
    assert_ne!(a, b);
}
