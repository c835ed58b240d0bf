//! The two migration trees (`migrations/sqlite`, `migrations/postgres`) must define the same
//! schema: the same tables, the same columns, the same nullability and the same named indexes.
//! Both are applied to real databases and read back from each engine's catalogue.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::Store;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// table → column → nullable.
type Columns = BTreeMap<String, BTreeMap<String, bool>>;

async fn sqlite_schema(store: &Store) -> (Columns, BTreeSet<String>) {
    let mut c = store.reader().acquire().await.unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS t, p.name AS c, p.\"notnull\" AS nn, p.pk AS pk \
         FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for r in rows {
        let (t, col): (String, String) = (r.get("t"), r.get("c"));
        let not_null = r.get::<i64, _>("nn") != 0 || r.get::<i64, _>("pk") != 0;
        columns.entry(t).or_default().insert(col, !not_null);
    }
    let indexes =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(&mut *c)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.get::<String, _>("name"))
            .collect();
    (columns, indexes)
}

async fn postgres_schema(store: &Store) -> (Columns, BTreeSet<String>) {
    let mut c = store.reader().acquire().await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, is_nullable::text AS n \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for r in rows {
        let (t, col, n): (String, String, String) = (r.get("t"), r.get("c"), r.get("n"));
        columns.entry(t).or_default().insert(col, n == "YES");
    }
    // Indexes made by CREATE INDEX (a primary key's or a UNIQUE constraint's are not named in
    // the migrations, and SQLite keeps those as automatic indexes without SQL).
    let indexes = sqlx::query(
        "SELECT i.indexname::text AS name FROM pg_indexes i \
         WHERE i.schemaname = current_schema() AND NOT EXISTS \
         (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.get::<String, _>("name"))
    .collect();
    (columns, indexes)
}

#[tokio::test]
async fn both_migration_trees_define_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(
        &format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display()),
        1,
    )
    .await
    .unwrap();
    sqlite.migrate().await.unwrap();
    let (sqlite_columns, sqlite_indexes) = sqlite_schema(&sqlite).await;
    sqlite.close().await;

    // PostgreSQL runs on every machine here, CI's included: without it this test fails.
    let pg = std::env::var("COFFER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let db = format!("coffer_test_schema_{}", crate::clock::now_millis());
    let admin = Store::connect(&pg, 1)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432");
    let mut c = admin.writer().acquire().await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&mut *c)
        .await
        .unwrap();
    let base = pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b);
    let postgres = Store::connect(&format!("{base}/{db}"), 1).await.unwrap();
    postgres.migrate().await.unwrap();
    let (pg_columns, pg_indexes) = postgres_schema(&postgres).await;
    postgres.close().await;
    sqlx::query(&format!("DROP DATABASE {db}"))
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    admin.close().await;

    assert!(sqlite_columns.len() > 10, "{sqlite_columns:?}");
    let tables = |c: &Columns| c.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        tables(&sqlite_columns),
        tables(&pg_columns),
        "tables differ"
    );
    for (table, columns) in &sqlite_columns {
        assert_eq!(
            Some(columns),
            pg_columns.get(table),
            "columns of {table} (name → nullable)"
        );
    }
    assert_eq!(sqlite_indexes, pg_indexes, "named indexes differ");
}
