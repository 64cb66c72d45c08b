//! JS side of the error type: `Code` becomes `err.code`.

use super::SgError;

/// Status type for napi errors: becomes `err.code` on the JS side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl From<SgError> for napi::Error<Code> {
    fn from(e: SgError) -> Self {
        napi::Error::new(Code(e.code), e.message)
    }
}

/// Result type of every synchronous `#[napi]` entry point that can fail: the JS
/// error gets `code` set natively. (It must be named `Result`: napi-derive
/// recognises fallible functions by that name.)
pub type Result<T> = std::result::Result<T, napi::Error<Code>>;

/// napi-derive only supports `napi::Error<Status>` from async functions, so
/// async entry points carry the code in the message as `"CODE: message"`;
/// `lib/errors.js` (`fromNative`) moves it into `err.code`.
impl From<SgError> for napi::Error {
    fn from(e: SgError) -> Self {
        napi::Error::new(napi::Status::GenericFailure, format!("{}: {}", e.code, e.message))
    }
}

/// Map a napi-level error (argument conversion etc.) into our coded error.
pub fn from_napi(e: napi::Error) -> napi::Error<Code> {
    napi::Error::new(Code("INVALID_ARGUMENT"), e.reason.clone())
}
