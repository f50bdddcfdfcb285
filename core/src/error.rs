//! The core's error: one variant for each way a call can fail, rich enough for Rust callers and
//! tests to match on, and free of personal data so it can be logged and shown. The bindings map
//! it to a smaller public enum.

use moa_protocol::wire::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),

    #[error("file error: {0}")]
    Io(#[from] std::io::Error),

    /// The database was written by a newer Moa; opening it could destroy what that version wrote.
    #[error("database schema version {found} is newer than this app supports ({supported}); update the app")]
    NewerDatabase { found: u32, supported: u32 },

    /// The file is a SQLite database, but not one of Moa's.
    #[error("the database file is not one of Moa's (no schema version)")]
    ForeignDatabase,

    /// The server could not be reached at all (no network, refused, name not resolved).
    #[error("offline: {0}")]
    Offline(String),

    /// The server did not answer within the time allowed.
    #[error("the server did not answer in time")]
    Timeout,

    /// The connection broke during the exchange (reset, cut mid-body).
    #[error("network error: {0}")]
    Network(String),

    /// The server answered with an error status (and, usually, a problem document).
    #[error("server answered {status}: {}", problem.as_ref().map(|p| p.title.as_str()).unwrap_or("no details"))]
    Server {
        status: u16,
        problem: Option<Problem>,
        /// Seconds the server asked us to wait before trying again (429, 503).
        retry_after: Option<u64>,
    },

    /// The server answered something that breaks the protocol (not JSON, sequence going backwards …).
    #[error("protocol violation: {0}")]
    Protocol(String),

    /// The caller cancelled; everything committed before stays, nothing half-done does.
    #[error("cancelled")]
    Cancelled,

    /// Not signed in, or the session ended (expired, revoked): the shopper must sign in again.
    /// Their lists and unsent changes stay on the device.
    #[error("not signed in: {0}")]
    Unauthorized(String),

    /// An image that cannot be shown: not an image, damaged, or too large to decode safely.
    #[error("image: {0}")]
    Image(#[from] moa_imaging::ImageProblem),

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("not found: {0}")]
    NotFound(String),

    /// A bug or a lost worker thread: never the shopper's or the server's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a screen does about an error: the few states the apps map errors to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorGroup {
    /// No network or no answer: keep showing the cache, with the offline banner.
    Offline,
    /// The server or the phone is busy or briefly unable: "try again" (a pull, a button).
    RetryLater,
    /// The session ended or was refused: ask to sign in again (nothing on the phone is lost).
    SignInAgain,
    /// What was asked for is gone (a delisted product, an old link).
    NotFound,
    /// The phone's data is from a newer Moa: ask to update the app.
    UpdateApp,
    /// Moa's own mistake (a protocol break, bad input from the app): say something went wrong.
    Bug,
}

impl Error {
    /// The group a screen maps this error to.
    pub fn group(&self) -> ErrorGroup {
        match self {
            Error::Offline(_) | Error::Timeout | Error::Network(_) => ErrorGroup::Offline,
            Error::Server { status: 401 | 403, .. } | Error::Unauthorized(_) => ErrorGroup::SignInAgain,
            Error::Server { status: 404 | 410, .. } | Error::NotFound(_) => ErrorGroup::NotFound,
            Error::Server { status, .. } if *status >= 500 || *status == 429 || *status == 408 => {
                ErrorGroup::RetryLater
            }
            // A damaged or foreign file is recovered at the next open: trying again is the cure.
            Error::Storage(_) | Error::Io(_) | Error::ForeignDatabase | Error::Cancelled => ErrorGroup::RetryLater,
            Error::NewerDatabase { .. } => ErrorGroup::UpdateApp,
            Error::Server { .. }
            | Error::Protocol(_)
            | Error::Image(_)
            | Error::InvalidInput(_)
            | Error::Internal(_) => ErrorGroup::Bug,
        }
    }

    /// Worth trying again (the same idempotent request, after a pause)?
    pub fn is_transient(&self) -> bool {
        match self {
            // A refused redirect is the server's answer every time: asking again changes nothing.
            Error::Protocol(m) => !m.starts_with(REFUSED_REDIRECT),
            Error::Offline(_) | Error::Timeout | Error::Network(_) => true,
            Error::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// The database file is damaged or not Moa's (as opposed to busy, full or misused).
    pub fn is_corruption(&self) -> bool {
        match self {
            Error::ForeignDatabase => true,
            Error::Storage(rusqlite::Error::SqliteFailure(e, _)) => {
                matches!(e.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            }
            _ => false,
        }
    }
}

/// How the API client's redirect policy words its refusals (to plain http, or one too many).
pub(crate) const REFUSED_REDIRECT: &str = "refused a redirect";

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        // Only the kind of failure, never the URL: it can carry query parameters.
        let e = e.without_url();
        if e.is_timeout() {
            Error::Timeout
        } else if e.is_connect() {
            Error::Offline(e.to_string())
        } else if e.is_decode() {
            Error::Protocol(format!("undecodable body: {e}"))
        } else if e.is_redirect() {
            // Our redirect policy's refusals (to cleartext, or too many): the server misbehaves.
            Error::Protocol(std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_else(|| e.to_string()))
        } else {
            Error::Network(std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_else(|| e.to_string()))
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_the_screen_state_it_calls_for() {
        let server = |status| Error::Server { status, problem: None, retry_after: None };
        assert_eq!(Error::Offline("no route".into()).group(), ErrorGroup::Offline);
        assert_eq!(Error::Timeout.group(), ErrorGroup::Offline);
        assert_eq!(server(503).group(), ErrorGroup::RetryLater);
        assert_eq!(server(429).group(), ErrorGroup::RetryLater);
        assert_eq!(server(401).group(), ErrorGroup::SignInAgain);
        assert_eq!(Error::Unauthorized("expired".into()).group(), ErrorGroup::SignInAgain);
        assert_eq!(server(404).group(), ErrorGroup::NotFound);
        assert_eq!(Error::NotFound("product x".into()).group(), ErrorGroup::NotFound);
        assert_eq!(Error::NewerDatabase { found: 99, supported: 8 }.group(), ErrorGroup::UpdateApp);
        assert_eq!(server(400).group(), ErrorGroup::Bug);
        assert_eq!(Error::Protocol("seq went back".into()).group(), ErrorGroup::Bug);
        assert_eq!(Error::InvalidInput("bad word".into()).group(), ErrorGroup::Bug);
    }
}
