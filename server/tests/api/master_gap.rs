//! The gap test (DESIGN rule 4): many writers commit concurrently, in an order unrelated to when
//! they started, with random delays inside their transactions, while a terminal pulls in a loop.
//! The terminal must end with exactly the hub's state: a change committed behind its cursor would
//! be lost for good, because every probe object is written once.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use crate::common::{TerminalStore, spawn_app_with};
use hubshake::sync::feed::{self, View};
use serde_json::json;

const WRITERS: usize = 16;
const WRITES_PER_WRITER: usize = 12;
const SHARED_OBJECTS: usize = 4;
const KIND: &str = "gap_probe";

async fn random_pause() {
    tokio::time::sleep(Duration::from_millis(rand::random_range(0..8))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_leave_a_gap_behind_a_reader() {
    let app = Arc::new(spawn_app_with(|s| s.database_max_connections = 8).await);
    let admin = app.admin_token().await;
    let (_, token) = app.terminal_with_token(&admin, "A").await;
    // The writers are a second process on the same database, as a second hub replica would be.
    let writers_db = hubshake::db::connect(
        &app.database.url,
        WRITERS as u32,
        app.settings.database_acquire_timeout(),
    )
    .await
    .unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let db = writers_db.clone();
        writers.push(tokio::spawn(async move {
            for n in 0..WRITES_PER_WRITER {
                random_pause().await;
                let txn = hubshake::db::begin_write(&db).await.unwrap();
                feed::lock_master(&txn).await.unwrap();
                random_pause().await;
                // Each write adds an object of its own, and moves a shared one to a new state.
                let own = View::everyone(json!({ "writer": writer, "n": n }));
                feed::publish(&txn, KIND, format!("w{writer}-{n}"), vec![own])
                    .await
                    .unwrap();
                let shared = format!("shared-{}", (writer + n) % SHARED_OBJECTS);
                let state = View::everyone(json!({ "writer": writer, "n": n }));
                feed::publish(&txn, KIND, shared, vec![state])
                    .await
                    .unwrap();
                random_pause().await;
                txn.commit().await.unwrap();
            }
        }));
    }
    let reader = {
        let done = done.clone();
        let app = app.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let mut store = TerminalStore::default();
            let mut pulls = 0;
            while !done.load(Ordering::Acquire) {
                store.sync(&app, &token, 7).await;
                pulls += 1;
            }
            store.sync(&app, &token, 7).await;
            (store, pulls)
        })
    };
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, Ordering::Release);
    let (mut incremental, pulls) = reader.await.unwrap();
    assert!(pulls > 1, "the reader pulled while writers were committing");

    let mut fresh = TerminalStore::default();
    fresh.sync(&app, &token, 5000).await;
    // The hub hears of another process's writes within the notification delay: until then a
    // poll may say "nothing new yet", never skip. The reader pulls until it reaches the head.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while incremental.cursor < fresh.cursor && std::time::Instant::now() < deadline {
        incremental.sync(&app, &token, 7).await;
    }
    assert_eq!(
        fresh.count(KIND),
        WRITERS * WRITES_PER_WRITER + SHARED_OBJECTS
    );
    let missed: Vec<_> = fresh
        .objects
        .keys()
        .filter(|key| !incremental.objects.contains_key(*key))
        .collect();
    assert!(
        missed.is_empty(),
        "the reader missed {} changes, e.g. {:?}",
        missed.len(),
        missed.first()
    );
    assert_eq!(
        incremental.objects, fresh.objects,
        "the reader that pulled during the writes holds exactly the hub's state"
    );
}
