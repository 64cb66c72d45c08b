use super::*;
use crate::providers::{aws, file};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn cache_with_dir(rt: &tokio::runtime::Runtime, dir: &std::path::Path, opts: CacheOptions) -> Cache {
    let providers = Providers {
        file: Some(file::FileProvider { dir: dir.to_path_buf() }),
        aws: aws::AwsProvider::new(aws::AwsOptions::default()),
        vault: Err(crate::providers::not_configured(Kind::Vault, "none in tests")),
    };
    Cache::new(opts, providers, rt.handle().clone())
}

fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sg-cache-{tag}-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn backoff_doubles_and_caps() {
    let o = CacheOptions { jitter: 0.0, backoff_base: Duration::from_secs(1), backoff_max: Duration::from_secs(5), ..Default::default() };
    let v: Vec<u64> = (1..=5).map(|n| backoff(&o, n).as_secs()).collect();
    assert_eq!(v, vec![1, 2, 4, 5, 5]);
    let o = CacheOptions { jitter: 0.1, ..o };
    for _ in 0..100 {
        let d = backoff(&o, 1).as_secs_f64();
        assert!((0.9..=1.1).contains(&d));
    }
}

#[test]
fn single_flight_file_load_and_rotation() {
    let rt = rt();
    let dir = tmpdir("sf");
    std::fs::write(dir.join("k"), "sk_test_FAKE_one\n").unwrap();
    let c = cache_with_dir(&rt, &dir, CacheOptions::default());
    let inner = c.inner().clone();
    let key = Key { kind: Kind::File, name: "k".into(), stage: None };
    let got = rt.block_on(async {
        let mut hs = Vec::new();
        for _ in 0..50 {
            let i = inner.clone();
            let k = key.clone();
            hs.push(tokio::spawn(async move { i.load(&k).await }));
        }
        let mut out = Vec::new();
        for h in hs {
            out.push(h.await.unwrap().unwrap());
        }
        out
    });
    assert!(got.iter().all(|l| l.value.as_text() == Some("sk_test_FAKE_one")));
    assert_eq!(inner.stats.upstream_calls.load(Ordering::Relaxed), 1);
    assert!(!format!("{:?}", got[0]).contains("FAKE"));
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev2 = events.clone();
    c.set_sink(Some(Arc::new(move |e| ev2.lock().unwrap().push(e))));
    std::fs::write(dir.join("k"), "sk_test_FAKE_two").unwrap();
    assert!(rt.block_on(inner.refresh(&key)).unwrap());
    let evs = events.lock().unwrap();
    assert!(matches!(&evs[0], CacheEvent::Rotate { previous_version: Some(a), version: Some(b), .. } if a == "1" && b == "2"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Many rounds of 50 concurrent first reads: a read that saw no value must
/// join the load in flight even if that load finishes before it gets there
/// (it used to start a second upstream call when the lock was released
/// between the lookup and the start).
#[test]
fn single_flight_holds_when_the_load_finishes_first() {
    let rt = rt();
    let dir = tmpdir("sf-race");
    std::fs::write(dir.join("k"), "sk_test_FAKE_race").unwrap();
    let key = Key { kind: Kind::File, name: "k".into(), stage: None };
    for round in 0..200 {
        let c = cache_with_dir(&rt, &dir, CacheOptions::default());
        let inner = c.inner().clone();
        rt.block_on(async {
            let hs: Vec<_> = (0..50)
                .map(|_| {
                    let (i, k) = (inner.clone(), key.clone());
                    tokio::spawn(async move { i.load(&k).await.map(|l| l.value.as_bytes().len()) })
                })
                .collect();
            for h in hs {
                assert_eq!(h.await.unwrap().unwrap(), "sk_test_FAKE_race".len());
            }
        });
        let calls = inner.stats.upstream_calls.load(Ordering::Relaxed);
        assert!(calls == 1, "round {round}: {calls} upstream calls for one secret");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lru_evicts_least_recently_read() {
    let rt = rt();
    let dir = tmpdir("lru");
    for n in ["a", "b", "c"] {
        std::fs::write(dir.join(n), n).unwrap();
    }
    let c = cache_with_dir(&rt, &dir, CacheOptions { max_size: 2, ..Default::default() });
    let inner = c.inner().clone();
    let k = |n: &str| Key { kind: Kind::File, name: n.into(), stage: None };
    rt.block_on(async {
        inner.load(&k("a")).await.unwrap();
        inner.load(&k("b")).await.unwrap();
    });
    assert!(matches!(inner.lookup(&k("a")).unwrap(), Lookup::Hit(_))); // a read more recently than b
    rt.block_on(inner.load(&k("c"))).unwrap();
    assert!(matches!(inner.lookup(&k("b")).unwrap(), Lookup::Miss));
    assert!(matches!(inner.lookup(&k("a")).unwrap(), Lookup::Hit(_)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_counters_series_loaded_and_rotation_times() {
    let rt = rt();
    let dir = tmpdir("usage");
    std::fs::write(dir.join("k"), "sk_test_FAKE_u1").unwrap();
    let c = cache_with_dir(&rt, &dir, CacheOptions { jitter: 0.0, ..Default::default() });
    let events = Arc::new(Mutex::new(Vec::new()));
    let ev2 = events.clone();
    c.set_sink(Some(Arc::new(move |e| ev2.lock().unwrap().push(e))));
    let inner = c.inner().clone();
    let key = Key { kind: Kind::File, name: "k".into(), stage: None };
    rt.block_on(inner.load(&key)).unwrap();
    for _ in 0..4 {
        assert!(matches!(inner.lookup(&key).unwrap(), Lookup::Hit(_)));
    }
    inner.record_reads(&[(key.clone(), 5)]);
    let u = inner.usage().into_iter().find(|u| u.name == "file:k").unwrap();
    assert_eq!((u.stats.reads, u.stats.hits, u.stats.misses), (10, 9, 1));
    assert!(u.stats.loaded_ms.is_some());
    assert!(u.stats.last_rotation_ms.is_none());
    let series = inner.series(unix_ms(), 1440);
    assert_eq!(series[0].2.iter().map(|&x| x as u64).sum::<u64>(), 10);
    std::fs::write(dir.join("k"), "sk_test_FAKE_u2").unwrap();
    assert!(rt.block_on(inner.refresh(&key)).unwrap());
    let u = inner.usage().into_iter().find(|u| u.name == "file:k").unwrap();
    assert_eq!(u.stats.last_rotation_ms, u.stats.last_refresh_ms);
    let evs = events.lock().unwrap();
    assert!(matches!(&evs[0], CacheEvent::Loaded { version: Some(v), .. } if v == "1"));
    assert!(matches!(&evs[1], CacheEvent::Rotate { .. }));
    drop(evs);
    // a failed first load is reported (audit: secret_load_failed) and leaves no entry
    let missing = Key { kind: Kind::File, name: "missing".into(), stage: None };
    assert!(rt.block_on(inner.load(&missing)).is_err());
    assert!(events.lock().unwrap().iter().any(|e| matches!(e, CacheEvent::LoadFailed { code: "SECRET_NOT_FOUND", .. })));
    let _ = std::fs::remove_dir_all(&dir);
}
