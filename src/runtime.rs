//! The async runtime behind `#[napi] async fn` and the secret cache, started
//! on first use instead of at `require()`.
//!
//! With only napi's `tokio_rt` feature, registering the addon builds a
//! multi-threaded Tokio runtime (reads the cgroup CPU quota, spawns a worker
//! per core) even when the process only calls `config()`, which never awaits
//! anything. napi's `async-runtime` feature lets an addon pick the backend for
//! generated futures; this one hands every task to napi's own Tokio runtime
//! through its compatibility helpers, which build that runtime lazily and
//! which napi drains at environment teardown (so no thread of ours outlives
//! the addon image: this backend owns none).

use std::future::Future;
use std::pin::Pin;

use napi::bindgen_prelude::{AsyncRuntime, AsyncRuntimeRejection, AsyncRuntimeTask};

struct LazyTokio;

// SAFETY: the backend owns no thread, task or callback. Tasks go to napi's
// built-in Tokio runtime (`napi::bindgen_prelude::spawn`), whose shutdown at
// environment cleanup napi performs itself, exactly as in a plain `tokio_rt`
// build.
unsafe impl AsyncRuntime for LazyTokio {
    fn spawn(&self, task: AsyncRuntimeTask) -> std::result::Result<(), AsyncRuntimeRejection<AsyncRuntimeTask>> {
        drop(napi::bindgen_prelude::spawn(task));
        Ok(())
    }

    fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>) -> napi::Result<()> {
        napi::bindgen_prelude::block_on(future);
        Ok(())
    }

    fn shutdown(&self) -> napi::Result<()> {
        Ok(())
    }
}

#[napi_derive::module_init]
fn register_lazy_runtime() {
    napi::bindgen_prelude::register_async_runtime(LazyTokio);
}
