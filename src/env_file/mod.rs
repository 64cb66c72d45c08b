//! Env files: dotenv-identical parsing (`parse`), and the loader extras
//! (expansion, encrypted values) in their own files.

pub mod parse;
mod napi;

pub use parse::parse;

pub mod expand;
pub mod dotenvx;
mod napi_extras;
