//! The compiled component and the linker that gives it wasi and wasi:http: built once per
//! process, then instantiated cheaply for every pipe.

use std::sync::OnceLock;

use wasmtime::component::{Component, Linker};
use wasmtime::{Cache, CacheConfig, Config, Engine, Store};

use crate::bindings::{RedshiftIo as World, RedshiftIoPre as WorldPre};
use crate::sandbox::Sandbox;
use crate::Error;

/// The guest crate built for wasm32-wasip2 by build.rs.
pub const COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rio_guest.wasm"));

pub(crate) struct Runtime {
    engine: Engine,
    pre: WorldPre<Sandbox>,
}

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

pub(crate) fn runtime() -> Result<&'static Runtime, Error> {
    RUNTIME
        .get_or_init(|| {
            Runtime::load().map_err(|e| format!("the component could not be loaded: {e:#}"))
        })
        .as_ref()
        .map_err(|e| Error::Runtime(e.clone()))
}

impl Runtime {
    fn load() -> wasmtime::Result<Self> {
        // wasmtime's defaults are the fast ones; memory is bounded per store by a limiter.
        let mut config = Config::new();
        // Machine code is cached on disk (wasmtime's cache, under ~/.cache/wasmtime): only the
        // first process on a machine compiles the component; later ones start in milliseconds.
        // Without a usable cache directory, every process compiles, which is slower but works.
        if let Ok(cache) = Cache::new(CacheConfig::new()) {
            config.cache(Some(cache));
        }
        let engine = Engine::new(&config)?;
        let component = Component::new(&engine, COMPONENT)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        let pre = WorldPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Runtime { engine, pre })
    }

    pub(crate) fn instantiate(&self, sandbox: Sandbox) -> Result<(Store<Sandbox>, World), Error> {
        let mut store = Store::new(&self.engine, sandbox);
        store.limiter(|sandbox| &mut sandbox.memory);
        let world = self.pre.instantiate(&mut store)?;
        Ok((store, world))
    }
}
