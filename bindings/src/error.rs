//! The errors the apps see, grouped as the core groups them.

use moa_ffi_macros::export;

/// Every way a call can fail, small enough to handle in a `when`/`switch`. Messages say what
/// went wrong, never whose data it was.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum MoaError {
    #[error("offline: {reason}")]
    Offline { reason: String },
    #[error("the server did not answer in time")]
    Timeout,
    #[error("network error: {reason}")]
    Network { reason: String },
    #[error("server answered {status}")]
    Server { status: u16, retry_after_secs: Option<u64> },
    #[error("protocol violation: {reason}")]
    Protocol { reason: String },
    #[error("storage error: {reason}")]
    Storage { reason: String },
    /// The database was written by a newer app version: update the app.
    #[error("the database is from a newer app version")]
    NewerDatabase,
    #[error("cancelled")]
    Cancelled,
    /// An image that cannot be shown (not an image, damaged, or too large to decode safely).
    #[error("bad image: {reason}")]
    BadImage { reason: String },
    /// Not signed in, or the session ended: ask the shopper to sign in again. Their lists and
    /// unsent changes stay on the device.
    #[error("not signed in: {reason}")]
    Unauthorized { reason: String },
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl From<moa_core::Error> for MoaError {
    fn from(e: moa_core::Error) -> Self {
        use moa_core::Error as E;
        match e {
            E::Offline(reason) => MoaError::Offline { reason },
            E::Timeout => MoaError::Timeout,
            E::Network(reason) => MoaError::Network { reason },
            E::Server { status, retry_after, .. } => MoaError::Server { status, retry_after_secs: retry_after },
            E::Protocol(reason) => MoaError::Protocol { reason },
            e @ (E::Storage(_) | E::Io(_) | E::ForeignDatabase) => MoaError::Storage { reason: e.to_string() },
            E::NewerDatabase { .. } => MoaError::NewerDatabase,
            E::Cancelled => MoaError::Cancelled,
            E::NotFound(what) => MoaError::NotFound { what },
            E::Unauthorized(reason) => MoaError::Unauthorized { reason },
            E::Image(problem) => MoaError::BadImage { reason: problem.to_string() },
            E::InvalidInput(reason) => MoaError::InvalidInput { reason },
            E::Internal(reason) => MoaError::Internal { reason },
        }
    }
}

/// What a screen does about an error: the states the apps map every `MoaError` to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorGroup {
    /// No network or no answer: keep the cache on screen, with the offline banner.
    Offline,
    /// Busy or briefly unable: offer "try again".
    RetryLater,
    /// The session ended: ask to sign in again (nothing on the phone is lost).
    SignInAgain,
    /// What was asked for is gone (a delisted product, an old link).
    NotFound,
    /// The phone's data is from a newer Moa: ask to update the app.
    UpdateApp,
    /// Moa's own mistake: "something went wrong".
    Bug,
}

impl MoaError {
    /// The screen state for this error: the core's grouping (`moa_core::Error::group`), which the
    /// conversion from the core's errors keeps (a test checks the two agree).
    pub fn group(&self) -> ErrorGroup {
        match self {
            MoaError::Offline { .. } | MoaError::Timeout | MoaError::Network { .. } => ErrorGroup::Offline,
            MoaError::Server { status: 401 | 403, .. } | MoaError::Unauthorized { .. } => ErrorGroup::SignInAgain,
            MoaError::Server { status: 404 | 410, .. } | MoaError::NotFound { .. } => ErrorGroup::NotFound,
            MoaError::Server { status, .. } if *status >= 500 || *status == 429 || *status == 408 => {
                ErrorGroup::RetryLater
            }
            MoaError::Storage { .. } | MoaError::Cancelled => ErrorGroup::RetryLater,
            MoaError::NewerDatabase => ErrorGroup::UpdateApp,
            MoaError::Server { .. }
            | MoaError::Protocol { .. }
            | MoaError::BadImage { .. }
            | MoaError::InvalidInput { .. }
            | MoaError::Internal { .. } => ErrorGroup::Bug,
        }
    }
}

/// The screen state an error calls for (see `ErrorGroup`).
#[export]
pub fn error_group(error: MoaError) -> ErrorGroup {
    error.group()
}

pub(crate) type Result<T, E = MoaError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The apps group errors by the bindings' error; Rust callers by the core's. They agree.
    #[test]
    fn error_groups_agree_with_the_cores() {
        use moa_core::Error as E;
        let server = |status| E::Server { status, problem: None, retry_after: None };
        let errors = vec![
            E::Offline("x".into()),
            E::Timeout,
            E::Network("x".into()),
            server(500),
            server(429),
            server(401),
            server(404),
            server(400),
            E::Protocol("x".into()),
            E::Io(std::io::Error::other("disk full")),
            E::ForeignDatabase,
            E::NewerDatabase { found: 9, supported: 8 },
            E::Cancelled,
            E::Unauthorized("x".into()),
            E::InvalidInput("x".into()),
            E::NotFound("x".into()),
            E::Internal("x".into()),
        ];
        for e in errors {
            let core = e.group();
            let app = MoaError::from(e).group();
            assert_eq!(format!("{core:?}"), format!("{app:?}"));
        }
    }
}
