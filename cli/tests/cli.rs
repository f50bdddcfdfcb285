//! The `moa` binary as QA uses it: the demo, and serve → sync → feed scripted through --json.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

fn moa() -> Command {
    Command::new(env!("CARGO_BIN_EXE_moa"))
}

fn cards(feed: &Value) -> Vec<&Value> {
    feed["sections"].as_array().unwrap().iter().flat_map(|s| s["cards"].as_array().unwrap()).collect()
}

/// The home rules every feed keeps, checked on the JSON the CLI prints.
fn assert_home_rules(feed: &Value) {
    let cards = cards(feed);
    let ids: HashSet<&str> = cards.iter().map(|c| c["product_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), cards.len(), "no product twice on one home");
    for section in feed["sections"].as_array().unwrap() {
        assert!(section["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(["cover", "grid", "carousel", "mall_carousel"].contains(&section["layout"].as_str().unwrap()));
        let malls: Vec<&str> =
            section["cards"].as_array().unwrap().iter().map(|c| c["mall_id"].as_str().unwrap()).collect();
        for w in malls.windows(3) {
            assert!(!(w[0] == w[1] && w[1] == w[2]), "three in a row from {} in {}", w[0], section["id"]);
        }
        for card in section["cards"].as_array().unwrap() {
            for key in
                ["product_id", "mall_id", "mall_name", "title", "reason", "image_url", "product_url", "price_text"]
            {
                assert!(card[key].as_str().is_some_and(|v| !v.is_empty()), "card without {key}: {card}");
            }
            assert!(card["price"].as_i64().unwrap() > 0);
        }
    }
}

#[test]
fn demo_prints_a_home_of_at_least_40_cards_from_at_least_10_malls() {
    let out = moa().args(["demo", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let feed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cards = cards(&feed);
    let malls: HashSet<&str> = cards.iter().map(|c| c["mall_id"].as_str().unwrap()).collect();
    assert!(cards.len() >= 40, "{} cards", cards.len());
    assert!(malls.len() >= 10, "{} malls", malls.len());
    assert_home_rules(&feed);
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(progress.contains("synced 10000 products"), "{progress}");

    // The readable form names sections, malls, prices in won and reasons.
    let text = moa().args(["demo", "--products", "3000"]).output().unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("오늘의 커버") && text.contains("당신을 위한 추천"), "{text}");
    assert!(text.contains("원 ") || text.contains("원 —"), "{text}");
}

#[test]
fn serve_sync_and_feed_can_be_scripted() {
    let mut server = moa()
        .args(["serve", "--demo", "--products", "1500", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
    let url = first_line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "first line is the URL: {url:?}");

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let db = db.to_str().unwrap();
    let sync = moa().args(["sync", "--server", &url, "--db", db, "--json", "--page-limit", "400"]).output().unwrap();
    assert!(sync.status.success(), "{}", String::from_utf8_lossy(&sync.stderr));
    let report: Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(report["upserted"], 1500);
    assert_eq!(report["pages"], 4);
    assert_eq!(report["products_in_cache"], 1500);

    let again = moa().args(["sync", "--server", &url, "--db", db, "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["upserted"], 0, "nothing changed, nothing moved");
    server.kill().unwrap();
    server.wait().unwrap();

    // The feed is read offline from the cache.
    let feed = moa().args(["feed", "--db", db, "--json", "--locale", "en"]).output().unwrap();
    assert!(feed.status.success(), "{}", String::from_utf8_lossy(&feed.stderr));
    let feed: Value = serde_json::from_slice(&feed.stdout).unwrap();
    assert_eq!(feed["sections"][0]["title"], "Today's cover");
    assert_home_rules(&feed);

    // Mistakes get a clear message and a failing exit code.
    let missing = moa().args(["feed", "--db", dir.path().join("nope.db").to_str().unwrap()]).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("run `moa sync` first"));
    let nothing = moa().args(["serve", "--port", "0"]).output().unwrap();
    assert!(!nothing.status.success());
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("nothing to serve"));
}

#[test]
fn the_sync_benchmark_runs_and_reports_a_ratio() {
    // Small and once: this keeps the command working; the figures come from release builds.
    let out = moa().args(["bench", "sync", "--products", "2000", "--runs", "1", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let figures: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(figures["products"], 2000);
    assert!(figures["ratio_to_baseline"].as_f64().unwrap() > 0.0);
    assert!(figures["sync_peak_rss_mb"].as_f64().unwrap() > 0.0);
    assert!(figures["bytes_received"].as_u64().unwrap() > 500_000);
}

#[test]
fn the_serve_benchmark_syncs_every_device_without_errors() {
    // Small: the command stays working; the figures come from release builds (BENCHMARKS.md).
    // With $MOA_TEST_POSTGRES set, the PostgreSQL configurations run too.
    let out = moa().args(["bench", "serve", "--products", "2000", "--devices", "8", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["changed"], 200);
    let runs = result["runs"].as_array().unwrap();
    assert!(!runs.is_empty());
    for run in runs {
        assert_eq!(run["errors"], 0, "{run}");
        // Each device's first sync alone is 2,000 ÷ 500 pages.
        assert!(run["pages"].as_u64().unwrap() >= 8 * 4, "{run}");
        assert!(run["p99_page_ms"].as_f64().unwrap() >= run["p50_page_ms"].as_f64().unwrap(), "{run}");
    }
}

#[test]
fn the_cold_start_benchmark_composes_a_home_and_reports_a_ratio() {
    let out = moa().args(["bench", "cold-start", "--products", "2000", "--runs", "1", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["products"], 2000);
    let (open, home, total) =
        (r["open_ms"].as_f64().unwrap(), r["first_home_ms"].as_f64().unwrap(), r["to_first_home_ms"].as_f64().unwrap());
    assert!(open > 0.0 && home > 0.0 && (total - open - home).abs() < 1e-6, "{r}");
    assert!(r["raw_read_ms"].as_f64().unwrap() > 0.0 && r["ratio_to_raw_read"].as_f64().unwrap() > 0.0, "{r}");
}

#[test]
fn replay_prints_the_baselines_side_by_side_on_the_same_cases() {
    let dir = tempfile::tempdir().unwrap();
    // Everything equally popular: "coat" is followed by "scarf", "bag" by "shoes" then "belt".
    let sessions: String =
        (0..60).map(|n| if n % 2 == 0 { "1\tcoat scarf\n" } else { "2\tbag shoes belt\n" }).collect();
    // The first two are what just came next in the population (sequential rules); the third
    // goes back to what this session viewed most (session popularity).
    let cases = "coat\tscarf\nbag\tshoes\nshoes bag shoes\tshoes\n";
    std::fs::write(dir.path().join("sessions.tsv"), sessions).unwrap();
    std::fs::write(dir.path().join("cases.tsv"), cases).unwrap();
    let out = moa()
        .args(["replay", "--json", "--top", "1", "--baselines", "--sessions"])
        .arg(dir.path().join("sessions.tsv"))
        .arg("--cases")
        .arg(dir.path().join("cases.tsv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let figures: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hit_rate = |name: &str| {
        figures["baselines"].as_array().unwrap().iter().find(|b| b["name"] == name).unwrap()["hit_rate"]
            .as_f64()
            .unwrap()
    };
    let third = 1.0 / 3.0;
    assert!((hit_rate("SR") - 2.0 * third).abs() < 1e-9, "{figures}");
    assert!((hit_rate("S-POP") - third).abs() < 1e-9, "{figures}");
    assert_eq!(hit_rate("POP"), 0.0, "one list for everyone: the first of the tied products, coat");
    // Plain kNN ties a neighbour's products, the ones just viewed included: at one it misses.
    assert_eq!(hit_rate("session kNN"), 0.0, "{figures}");
}

#[test]
fn replay_ranks_cases_in_json_lines_and_measures_them() {
    let dir = tempfile::tempdir().unwrap();
    // A population in which a view of "coat" is followed by "scarf", and "bag" by "shoes".
    let mut sessions = String::new();
    for n in 0..60 {
        let line = if n % 2 == 0 {
            r#"{"events":[{"product_id":"coat","kind":"view"},{"product_id":"scarf"}]}"#
        } else {
            "7\tbag shoes belt"
        };
        sessions.push_str(line);
        sessions.push('\n');
    }
    sessions.push_str("not a record\n");
    let cases = "{\"events\":[{\"product_id\":\"coat\"}],\"next\":\"scarf\"}\nbag\tshoes\nunknown-item\tcoat\n";
    std::fs::write(dir.path().join("sessions.jsonl"), sessions).unwrap();
    std::fs::write(dir.path().join("cases.txt"), cases).unwrap();
    let out_path = dir.path().join("top.jsonl");
    let out = moa()
        .args(["replay", "--json", "--top", "3", "--sessions"])
        .arg(dir.path().join("sessions.jsonl"))
        .arg("--cases")
        .arg(dir.path().join("cases.txt"))
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 unreadable sessions"));
    let figures: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(figures["judged"], 3);
    // Two of three are predictable from the population; an unknown item falls back to popularity.
    let hr = figures["hit_rate"].as_f64().unwrap();
    assert!(hr >= 2.0 / 3.0 - 1e-9, "{figures}");
    let lines: Vec<Value> =
        std::fs::read_to_string(&out_path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    // The item just viewed may come first (shoppers go back to it); the learned next one follows.
    let top2 = |n: usize| lines[n]["top"].as_array().unwrap()[..2].to_vec();
    assert!(top2(0).contains(&Value::from("scarf")), "{:?}", lines[0]);
    assert!(top2(1).contains(&Value::from("shoes")), "{:?}", lines[1]);
    assert_eq!(lines[2]["top"].as_array().unwrap().len(), 3, "always K products, popular ones at worst");
}

#[test]
fn mall_statistics_open_only_with_the_malls_key() {
    let mut server = moa()
        .args(["serve", "--demo", "--products", "500", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let url = url.trim().to_string();
    let ok = moa()
        .args(["stats", "--server", &url, "--mall", "roseribbon", "--key", "demo-key-roseribbon", "--json"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let stats: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(stats["mall_id"], "roseribbon");
    let other = moa()
        .args(["stats", "--server", &url, "--mall", "roseribbon", "--key", "demo-key-dailymood"])
        .output()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("not roseribbon's"));
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A one-shot HTTP server on loopback that answers every request with `body` (a mall's feed URL).
fn serve_once(body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed.tsv", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

#[test]
fn malls_are_registered_and_their_feeds_ingested_from_files_and_urls() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalog.db");
    let db = db.to_str().unwrap();
    let feed = concat!(env!("CARGO_MANIFEST_DIR"), "/../server/tests/fixtures/ingest/naver_ep.tsv");
    let out = moa()
        .args(["mall", "add", "--db", db, "--id", "lacemuse", "--name", "레이스뮤즈", "--platform", "cafe24"])
        .args(["--homepage", "https://www.lacemuse.co.kr", "--host", "lacemuse.co.kr", "--style", "lovely"])
        .args(["--category-map", "가디건=outer"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list = moa().args(["mall", "list", "--db", db, "--json"]).output().unwrap();
    let malls: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(malls[0]["id"], "lacemuse");
    assert_eq!(malls[0]["category_map"]["가디건"], "outer");

    let out = moa()
        .args(["ingest", "--db", db, "--mall", "lacemuse", "--format", "naver-ep", feed, "--no-photos"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("read 5, imported 3, unchanged 0, delisted 0, skipped 2"), "{text}");
    assert!(text.contains("skipped line 4 (N102): 12 cells where the header has 16"), "{text}");

    // From a URL, unchanged: nothing to do.
    let url = serve_once(std::fs::read(feed).unwrap());
    let out = moa()
        .args(["ingest", "--db", db, "--mall", "lacemuse", "--format", "naver-ep", &url, "--json", "--no-photos"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["imported"].as_u64(), report["unchanged"].as_u64()), (Some(0), Some(3)));

    // The wrong format is refused with a reason and an error status.
    let out = moa()
        .args(["ingest", "--db", db, "--mall", "lacemuse", "--format", "merchant-xml", feed, "--no-photos"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the feed is not merchant-xml"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = moa().args(["ingest", "--db", db, "--mall", "nobody", "--format", "naver-ep", feed]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no mall \"nobody\" is registered"));

    // The segments' working sets from what was imported; again, nothing moves.
    let shelves = |size: &str| {
        let out = moa().args(["shelves", "--db", db, "--size", size]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = shelves("2");
    assert!(first.starts_with("16 shelves: ") && !first.contains(" 0 products entered"), "{first}");
    assert_eq!(shelves("2"), "16 shelves: 0 products entered, 0 left\n");
}

#[test]
fn the_ingest_benchmark_imports_every_row_and_reports_ratios() {
    let out = moa().args(["bench", "ingest", "--rows", "400", "--runs", "1", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let formats = result["formats"].as_array().unwrap();
    assert_eq!(formats.len(), 2);
    for f in formats {
        assert_eq!(f["imported"].as_u64(), Some(400), "{f}");
        assert_eq!(f["unchanged_on_reimport"].as_u64(), Some(400), "{f}");
        assert!(f["import_to_parse_ratio"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn the_image_benchmark_reports_a_ratio_and_thumbnails_like_the_baselines() {
    let out = moa().args(["bench", "images", "--runs", "1", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let set = &result["sets"][0];
    assert_eq!(set["photos"].as_u64(), Some(8));
    assert!(set["speedup"].as_f64().unwrap() > 0.0);
    // Quality, not time: Moa's thumbnails look like the plain pipeline's.
    assert!(set["min_psnr_db"].as_f64().unwrap() > 35.0, "{set}");
    assert!(result["cache_hit_us"].as_f64().unwrap() > 0.0);
}

#[test]
fn the_working_set_benchmark_compares_each_persona_with_the_whole_catalog() {
    let out = moa()
        .args(["bench", "working-set", "--products", "4000", "--shelf-size", "800", "--budget-mb", "2", "--runs", "1"])
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let whole = &r["whole"];
    assert!(whole["products_held"].as_u64().unwrap() > 3_000, "{whole}");
    let personas = r["personas"].as_array().unwrap();
    assert_eq!(personas.len(), 8);
    for p in personas {
        let device = &p["device"];
        assert!(device["products_held"].as_u64().unwrap() <= 800, "{p}");
        assert!(device["first_sync_mb"].as_f64().unwrap() < whole["first_sync_mb"].as_f64().unwrap() / 2.0, "{p}");
        assert!(device["cache_mb"].as_f64().unwrap() <= 2.0 * 1.048_576, "within the budget: {p}");
        assert!(device["cold_start_ms"].as_f64().unwrap() > 0.0, "{p}");
        for overlap in ["top_overlap", "top_overlap_after_taps", "in_style", "whole_in_style"] {
            assert!((0.0..=1.0).contains(&p[overlap].as_f64().unwrap()), "{overlap}: {p}");
        }
    }
    assert!(r["median_top_overlap"].as_f64().unwrap() > 0.0, "{r}");
}

/// Shopping sessions where people go back to what they looked at (issue #18): each session
/// circles a few products of one cluster, returning to them more often than it finds a new
/// one. Deterministic (a linear congruential generator), `sessions` of them in TSV.
fn repeat_heavy_sessions(seed: u64, sessions: usize) -> Vec<Vec<u32>> {
    let mut state = seed;
    let mut next = move |n: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    (0..sessions)
        .map(|_| {
            let cluster = next(40) as u32;
            let length = 4 + next(8) as usize;
            let mut session: Vec<u32> = vec![cluster * 50 + next(50) as u32];
            while session.len() < length {
                if next(100) < 65 {
                    // Back to one of the last few looked at.
                    let back = 1 + next(session.len().min(3) as u64) as usize;
                    session.push(session[session.len() - back]);
                } else {
                    session.push(cluster * 50 + next(50) as u32);
                }
            }
            session
        })
        .collect()
}

fn write_sessions(path: &std::path::Path, sessions: &[Vec<u32>]) {
    let text: String = sessions
        .iter()
        .enumerate()
        .map(|(n, s)| format!("{n}\t{}\n", s.iter().map(|i| format!("p{i}")).collect::<Vec<_>>().join(" ")))
        .collect();
    std::fs::write(path, text).unwrap();
}

/// Cases `prefix<TAB>next` from the last product of each session.
fn write_cases(path: &std::path::Path, sessions: &[Vec<u32>], targets: impl Fn(usize) -> usize) {
    let text: String = (0..sessions.len())
        .map(|n| {
            let s = &sessions[n];
            let prefix: Vec<String> = s[..s.len() - 1].iter().map(|i| format!("p{i}")).collect();
            let target = sessions[targets(n)].last().unwrap();
            format!("{}\tp{target}\n", prefix.join(" "))
        })
        .collect();
    std::fs::write(path, text).unwrap();
}

fn replay_json(dir: &std::path::Path, cases: &str) -> Value {
    let out = moa()
        .args(["replay", "--json", "--baselines", "--sessions"])
        .arg(dir.join("sessions.tsv"))
        .arg("--cases")
        .arg(dir.join(cases))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn on_repeat_heavy_sessions_the_tuned_model_is_at_least_session_popularity_and_never_sees_the_cases() {
    let dir = tempfile::tempdir().unwrap();
    write_sessions(&dir.path().join("sessions.tsv"), &repeat_heavy_sessions(7, 3_000));
    let test = repeat_heavy_sessions(8, 600);
    write_cases(&dir.path().join("cases.tsv"), &test, |n| n);
    let r = replay_json(dir.path(), "cases.tsv");
    let spop = r["baselines"].as_array().unwrap().iter().find(|b| b["name"] == "S-POP").unwrap().clone();
    let (hr, mrr) = (r["hit_rate"].as_f64().unwrap(), r["mrr"].as_f64().unwrap());
    assert!(
        hr >= spop["hit_rate"].as_f64().unwrap() && mrr >= spop["mrr"].as_f64().unwrap(),
        "moa {hr}/{mrr} against S-POP {spop}"
    );
    let tuned = r["tuned"]["params"].as_str().unwrap().to_string();
    assert!(!tuned.contains("repeat=0,") && !tuned.ends_with("repeat=0"), "repeats learned to count: {tuned}");
    // The same cases with their targets shuffled: the tuning never read them, so it chooses
    // exactly the same (and the scores change).
    write_cases(&dir.path().join("shuffled.tsv"), &test, |n| (n * 7 + 3) % test.len());
    let shuffled = replay_json(dir.path(), "shuffled.tsv");
    assert_eq!(shuffled["tuned"]["params"].as_str().unwrap(), tuned);
    assert!(shuffled["hit_rate"].as_f64().unwrap() < hr);
}
