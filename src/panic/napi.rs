//! Hidden, undocumented exports used by the reliability suite to force a panic
//! through the same napi glue every real entry point uses.

#[napi_derive::module_init]
fn init() {
    super::install_quiet_hook();
}

/// Panics with a payload that looks like a secret (the test checks it never
/// reaches JS or stderr). Test-only; not part of the public API.
#[napi(js_name = "__testPanic", catch_unwind)]
pub fn test_panic(payload: String) -> crate::error::Result<()> {
    if !payload.is_empty() {
        panic!("forced panic: {payload}");
    }
    Ok(())
}

/// The same from inside an async entry point (the panic happens on a tokio
/// worker thread while the promise is pending).
#[napi(js_name = "__testPanicAsync", catch_unwind)]
pub async fn test_panic_async(payload: String) -> napi::Result<bool> {
    tokio::task::yield_now().await;
    if !payload.is_empty() {
        panic!("forced async panic: {payload}");
    }
    Ok(true)
}
