//! The thumbnail cache: files on disk within a byte budget, least recently used evicted first, an
//! index (its own small SQLite file: the cache can be wiped without touching the shopper's data)
//! that survives restarts, and every hit validated — a truncated or altered file is fetched again,
//! never shown. The same URL asked for twice at once is fetched once; a few fetches run at a time.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};

use super::{make_thumbnail, ImageLimits};
use crate::error::{Error, Result};

/// A thumbnail ready to show.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Thumbnail {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub placeholder_color: String,
    pub blurhash: String,
    /// Width / height of the photo (the card's shape).
    pub aspect_ratio: f32,
}

/// What the layout knows of a photo once any thumbnail of it was made.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImageMeta {
    pub aspect_ratio: f32,
    pub placeholder_color: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS thumbnails (
    key          TEXT PRIMARY KEY, -- width|url
    url          TEXT NOT NULL,
    file         TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    crc          INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    color        TEXT NOT NULL,
    blurhash     TEXT NOT NULL,
    aspect       REAL NOT NULL,
    last_used    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS thumbnails_by_use ON thumbnails (last_used);
CREATE TABLE IF NOT EXISTS image_meta (
    url     TEXT PRIMARY KEY,
    aspect  REAL NOT NULL,
    color   TEXT NOT NULL
);
";

pub struct ImageCache {
    dir: PathBuf,
    index: Mutex<Connection>,
    budget_bytes: u64,
    limits: ImageLimits,
    /// One lock per key being made: a second request waits for the first and then hits.
    making: tokio::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    fetching: tokio::sync::Semaphore,
    fetches: AtomicU64,
    clock: AtomicU64,
}

fn key(url: &str, width: u32) -> String {
    format!("{width}|{url}")
}

impl ImageCache {
    /// Open the cache in `dir` (created if missing). A damaged index is a lost cache, not an
    /// error: the directory is emptied and starts again.
    pub fn open(dir: &Path, budget_bytes: u64, limits: ImageLimits) -> Result<ImageCache> {
        std::fs::create_dir_all(dir)?;
        let index_path = dir.join("index.sqlite");
        let open = || -> Result<Connection> {
            let conn = Connection::open(&index_path)?;
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
            conn.execute_batch(SCHEMA)?;
            conn.query_row("SELECT count(*) FROM thumbnails", [], |r| r.get::<_, i64>(0))?;
            Ok(conn)
        };
        let conn = match open() {
            Ok(conn) => conn,
            Err(_) => {
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                open()?
            }
        };
        let clock: i64 = conn.query_row("SELECT coalesce(max(last_used), 0) FROM thumbnails", [], |r| r.get(0))?;
        Ok(ImageCache {
            dir: dir.to_path_buf(),
            index: Mutex::new(conn),
            budget_bytes,
            limits,
            making: tokio::sync::Mutex::new(HashMap::new()),
            fetching: tokio::sync::Semaphore::new(3),
            fetches: AtomicU64::new(0),
            clock: AtomicU64::new(clock as u64),
        })
    }

    fn index(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A use counter, not wall time: order of use is all LRU needs, and it never goes backwards.
    fn tick(&self) -> i64 {
        self.clock.fetch_add(1, Ordering::Relaxed) as i64 + 1
    }

    /// How many times an image was fetched (for tests and QA).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Bytes of thumbnails on disk.
    pub fn total_bytes(&self) -> Result<u64> {
        Ok(self.index().query_row("SELECT coalesce(sum(bytes), 0) FROM thumbnails", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// A cached thumbnail, if there is a sound one. A file that is missing, short or altered is
    /// forgotten (and will be made again).
    pub fn lookup(&self, url: &str, width: u32) -> Result<Option<Thumbnail>> {
        let k = key(url, width);
        let row = self
            .index()
            .query_row(
                "SELECT file, bytes, crc, width, height, color, blurhash, aspect FROM thumbnails WHERE key = ?1",
                [&k],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, u32>(3)?,
                        r.get::<_, u32>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, f64>(7)?,
                    ))
                },
            )
            .optional()?;
        let Some((file, bytes, crc, w, h, color, blurhash, aspect)) = row else { return Ok(None) };
        let path = self.dir.join(&file);
        let sound =
            std::fs::read(&path).is_ok_and(|data| data.len() as i64 == bytes && crc32fast::hash(&data) as i64 == crc);
        if !sound {
            self.index().execute("DELETE FROM thumbnails WHERE key = ?1", [&k])?;
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        }
        self.index().execute("UPDATE thumbnails SET last_used = ?2 WHERE key = ?1", params![k, self.tick()])?;
        Ok(Some(Thumbnail {
            path,
            width: w,
            height: h,
            placeholder_color: color,
            blurhash,
            aspect_ratio: aspect as f32,
        }))
    }

    /// The thumbnail of `url` at `width`, from the cache or made now with the bytes `fetch`
    /// brings. Errors (the fetch's, or the image's) leave nothing behind.
    pub async fn get<F, Fut>(&self, url: &str, width: u32, fetch: F) -> Result<Thumbnail>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Vec<u8>>>,
    {
        if let Some(hit) = self.lookup(url, width)? {
            return Ok(hit);
        }
        let k = key(url, width);
        let gate = Arc::clone(self.making.lock().await.entry(k.clone()).or_default());
        let made = {
            let _only_one = gate.lock().await;
            // Whoever held the gate before may have made it.
            match self.lookup(url, width)? {
                Some(hit) => Ok(hit),
                None => self.make(url, width, fetch).await,
            }
        };
        let mut making = self.making.lock().await;
        if Arc::strong_count(&gate) <= 2 {
            making.remove(&k);
        }
        made
    }

    async fn make<F, Fut>(&self, url: &str, width: u32, fetch: F) -> Result<Thumbnail>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Vec<u8>>>,
    {
        let bytes = {
            let _permit = self.fetching.acquire().await.map_err(|e| Error::Internal(e.to_string()))?;
            self.fetches.fetch_add(1, Ordering::Relaxed);
            fetch(url.to_string()).await?
        };
        let limits = self.limits;
        let made = tokio::task::spawn_blocking(move || make_thumbnail(&bytes, width, &limits))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(Error::Image)?;
        let file = format!("{:016x}.jpg", rand::random::<u64>());
        let path = self.dir.join(&file);
        // Written aside and renamed: a crash never leaves a half file under a live name.
        let partial = self.dir.join(format!("{file}.part"));
        std::fs::write(&partial, &made.jpeg)?;
        std::fs::rename(&partial, &path)?;
        let aspect = made.source_width as f64 / made.source_height.max(1) as f64;
        {
            let conn = self.index();
            conn.execute(
                "INSERT INTO thumbnails (key, url, file, bytes, crc, width, height, color, blurhash, aspect, last_used)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (key) DO UPDATE SET file = excluded.file, bytes = excluded.bytes, crc = excluded.crc,
                     width = excluded.width, height = excluded.height, color = excluded.color,
                     blurhash = excluded.blurhash, aspect = excluded.aspect, last_used = excluded.last_used",
                params![
                    key(url, width),
                    url,
                    file,
                    made.jpeg.len() as i64,
                    crc32fast::hash(&made.jpeg) as i64,
                    made.width,
                    made.height,
                    made.placeholder_color,
                    made.blurhash,
                    aspect,
                    self.tick()
                ],
            )?;
            conn.execute(
                "INSERT INTO image_meta (url, aspect, color) VALUES (?1, ?2, ?3)
                 ON CONFLICT (url) DO UPDATE SET aspect = excluded.aspect, color = excluded.color",
                params![url, aspect, made.placeholder_color],
            )?;
        }
        self.evict(&key(url, width))?;
        Ok(Thumbnail {
            path,
            width: made.width,
            height: made.height,
            placeholder_color: made.placeholder_color,
            blurhash: made.blurhash,
            aspect_ratio: aspect as f32,
        })
    }

    /// Drop the least recently used thumbnails until the cache is within its budget (never the
    /// one just made).
    fn evict(&self, keep: &str) -> Result<()> {
        let conn = self.index();
        let mut total: i64 = conn.query_row("SELECT coalesce(sum(bytes), 0) FROM thumbnails", [], |r| r.get(0))?;
        if total as u64 <= self.budget_bytes {
            return Ok(());
        }
        let mut stmt = conn.prepare("SELECT key, file, bytes FROM thumbnails WHERE key != ?1 ORDER BY last_used")?;
        let victims = stmt
            .query_map([keep], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (k, file, bytes) in victims {
            if total as u64 <= self.budget_bytes {
                break;
            }
            conn.execute("DELETE FROM thumbnails WHERE key = ?1", [&k])?;
            let _ = std::fs::remove_file(self.dir.join(file));
            total -= bytes;
        }
        Ok(())
    }

    /// Aspect ratio and placeholder colour of every photo a thumbnail was ever made of (kept when
    /// the thumbnail itself is evicted: a few bytes each).
    pub fn metas(&self) -> Result<HashMap<String, ImageMeta>> {
        let conn = self.index();
        let mut stmt = conn.prepare("SELECT url, aspect, color FROM image_meta")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ImageMeta { aspect_ratio: r.get::<_, f64>(1)? as f32, placeholder_color: r.get(2)? },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
