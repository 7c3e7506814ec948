//! `RedshiftIo`: the pipe component behind a thread-safe Rust API that mirrors the original library.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use wasmtime::component::ResourceAny;
use wasmtime::Store;

use crate::bindings::exports::rio::redshift_io::pipe::GuestRedshiftIo;
use crate::bindings::{types as wit, RedshiftIo as World};
use crate::credentials::Refresher;
use crate::options::Options;
use crate::runtime::runtime;
use crate::sandbox::{AllowList, Sandbox};
use crate::sender::Sender;
use crate::{BatchError, Error, FileEntry, Stats};

/// A pipe of JSON rows into S3 and on to Redshift. Safe to share between threads: every row
/// packed from any thread lands exactly once; while a `send` runs, other calls fail at once
/// with [`Error::SendingInProgress`].
pub struct RedshiftIo {
    instance: Mutex<Instance>,
    sending: AtomicBool,
    /// The most bytes one call copies into the sandbox: a quarter of its memory, so that a huge
    /// row or batch is refused here instead of trapping the component.
    max_call_bytes: usize,
}

struct Instance {
    store: Store<Sandbox>,
    world: World,
    pipe: ResourceAny,
    /// Keeps the credentials fresh when they come from a provider.
    refresher: Option<Refresher>,
}

/// S3 refused the credentials as expired.
fn is_expired(error: &wit::Error) -> bool {
    matches!(error, wit::Error::S3(failure) if failure.code == "ExpiredToken")
}

type Call<T, E> = wasmtime::Result<Result<T, E>>;

impl RedshiftIo {
    /// Opens a pipe whose sandbox may reach the S3 endpoint and the job endpoint, nothing else.
    pub fn new(options: Options) -> Result<Self, Error> {
        let allow = AllowList::for_options(&options)?;
        Self::with_allow_list(options, allow)
    }

    /// Opens a pipe whose sandbox may reach exactly the authorities of `allow`.
    pub fn with_allow_list(options: Options, allow: AllowList) -> Result<Self, Error> {
        let sender = Sender::for_options(&options)?;
        let (refresher, wit_options) = match &options.credentials_provider {
            Some(provider) => {
                let (refresher, credentials) = Refresher::new(provider.clone())?;
                (Some(refresher), options.to_wit_with(credentials))
            }
            None => (None, options.to_wit()),
        };
        let (mut store, world) =
            runtime()?.instantiate(Sandbox::new(allow, options.limits.clone(), sender))?;
        let pipe = world
            .rio_redshift_io_pipe()
            .redshift_io()
            .call_open(&mut store, &wit_options)??;
        Ok(RedshiftIo {
            instance: Mutex::new(Instance {
                store,
                world,
                pipe,
                refresher,
            }),
            sending: AtomicBool::new(false),
            max_call_bytes: options.limits.memory_bytes / 4,
        })
    }

    /// Buffers one row: a JSON object within Redshift's record limit (docs/pipe.md, "Packing
    /// rows"). When the current file is full it is uploaded first; if that fails, the row is not
    /// taken and may be packed again.
    pub fn pack(&self, row: &[u8]) -> Result<(), Error> {
        self.check_fits(row)?;
        self.call(|guest, store, pipe| guest.call_pack(store, pipe, row))
    }

    /// Packs each non-blank line of newline-delimited rows; returns how many it packed. A batch
    /// may hold up to a quarter of the sandbox's memory limit.
    pub fn pack_lines(&self, rows: &[u8]) -> Result<u64, BatchError> {
        let refused = |error| BatchError {
            accepted: 0,
            line: 0,
            offset: 0,
            error,
        };
        self.check_fits(rows).map_err(refused)?;
        self.check_not_sending().map_err(refused)?;
        let mut instance = self.lock().map_err(refused)?;
        instance.refresh_if_due().map_err(refused)?;
        // Where the batch goes on after a refresh: rows accepted, lines and bytes before it.
        let (mut accepted, mut lines_before, mut offset_before) = (0, 0, 0);
        let mut refreshed = false;
        loop {
            let rest = &rows[offset_before as usize..];
            let e = match instance
                .call(|guest, store, pipe| guest.call_pack_lines(store, pipe, rest))
            {
                Ok(Ok(packed)) => return Ok(accepted + packed),
                Ok(Err(e)) => e,
                Err(trap) => {
                    return Err(BatchError {
                        accepted,
                        ..refused(trap.into())
                    })
                }
            };
            // Counted over the whole batch; the rows before the failing line stay packed.
            let (line, offset) = match e.line {
                0 => (0, 0),
                line => (lines_before + line, offset_before + e.offset),
            };
            let stop = |error| BatchError {
                accepted: accepted + e.accepted,
                line,
                offset,
                error,
            };
            if line > 0 && !refreshed && is_expired(&e.error) && instance.refresher.is_some() {
                // Go on from the failing line with fresh credentials, once.
                instance.refresh().map_err(stop)?;
                refreshed = true;
                (accepted, lines_before, offset_before) = (accepted + e.accepted, line - 1, offset);
                continue;
            }
            let error = instance.explain(e.error.into());
            return Err(stop(error));
        }
    }

    /// Uploads what is buffered and refuses further rows until `unseal`.
    pub fn seal(&self) -> Result<(), Error> {
        self.call(|guest, store, pipe| guest.call_seal(store, pipe))
    }

    pub fn unseal(&self) -> Result<(), Error> {
        self.call(|guest, store, pipe| guest.call_unseal(store, pipe))
    }

    /// Seals, validates the destination, writes the manifest and table config, posts the job and
    /// starts a new run. On failure the pipe stays sealed with its files: send again, no data is
    /// uploaded twice.
    ///
    /// Returns the key of the manifest it wrote, or None when the run had no rows to send.
    pub fn send(&self) -> Result<Option<String>, Error> {
        self.while_sending(|guest, store, pipe| guest.call_send(store, pipe))
    }

    /// Sends, then closes for good.
    pub fn close(&self) -> Result<(), Error> {
        self.while_sending(|guest, store, pipe| guest.call_close(store, pipe))
    }

    /// Drops whatever is buffered and closes.
    pub fn close_without_sending(&self) -> Result<(), Error> {
        self.call(|guest, store, pipe| guest.call_close_without_sending(store, pipe))
    }

    /// Writes a manifest of every file of this run at `key` (relative to the bucket and key
    /// prefix), for a COPY of one's own. The pipe must be sealed.
    pub fn create_and_upload_custom_manifest(&self, key: &str) -> Result<(), Error> {
        self.call(|guest, store, pipe| {
            guest.call_create_and_upload_custom_manifest(store, pipe, key)
        })
    }

    /// Writes the run's manifest where `send` puts it (the pipe must be sealed); returns its key.
    pub fn create_and_upload_manifest(&self) -> Result<String, Error> {
        self.call(|guest, store, pipe| guest.call_create_and_upload_manifest(store, pipe))
    }

    /// Starts anew, as if just opened: no buffered rows, no files.
    pub fn reset(&self) -> Result<(), Error> {
        self.call(|guest, store, pipe| guest.call_reset(store, pipe))
    }

    pub fn sending_in_progress(&self) -> bool {
        self.sending.load(Ordering::SeqCst)
    }

    /// The data files of the current run that S3 has, in upload order.
    pub fn files(&self) -> Result<Vec<FileEntry>, Error> {
        self.call(|guest, store, pipe| guest.call_files(store, pipe).map(Ok))
    }

    /// The rejects objects of the current run that S3 has, in upload order: rows refused with
    /// `rejects: Keep`, never listed in a manifest.
    pub fn rejects(&self) -> Result<Vec<FileEntry>, Error> {
        self.call(|guest, store, pipe| guest.call_rejects(store, pipe).map(Ok))
    }

    pub fn stats(&self) -> Result<Stats, Error> {
        self.call(|guest, store, pipe| guest.call_stats(store, pipe).map(Ok))
    }

    /// Peak linear memory of the component so far, in bytes.
    pub fn memory_bytes(&self) -> Result<usize, Error> {
        Ok(self.lock()?.store.data().peak_memory())
    }

    fn call<T>(
        &self,
        f: impl Fn(&GuestRedshiftIo, &mut Store<Sandbox>, ResourceAny) -> Call<T, wit::Error>,
    ) -> Result<T, Error> {
        self.check_not_sending()?;
        self.lock()?.run(f)
    }

    /// Runs a call that may post a job, refusing other calls meanwhile.
    fn while_sending<T>(
        &self,
        f: impl Fn(&GuestRedshiftIo, &mut Store<Sandbox>, ResourceAny) -> Call<T, wit::Error>,
    ) -> Result<T, Error> {
        if self.sending.swap(true, Ordering::SeqCst) {
            return Err(Error::SendingInProgress);
        }
        let result = self.lock().and_then(|mut instance| instance.run(f));
        self.sending.store(false, Ordering::SeqCst);
        result
    }

    fn check_fits(&self, bytes: &[u8]) -> Result<(), Error> {
        if bytes.len() > self.max_call_bytes {
            return Err(Error::TooLargeForSandbox {
                size: bytes.len() as u64,
                limit: self.max_call_bytes as u64,
            });
        }
        Ok(())
    }

    fn check_not_sending(&self) -> Result<(), Error> {
        match self.sending.load(Ordering::SeqCst) {
            true => Err(Error::SendingInProgress),
            false => Ok(()),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Instance>, Error> {
        self.instance
            .lock()
            .map_err(|_| Error::Runtime("an earlier call panicked; open a new pipe".into()))
    }
}

impl Instance {
    fn call<T, E>(
        &mut self,
        f: impl FnOnce(&GuestRedshiftIo, &mut Store<Sandbox>, ResourceAny) -> Call<T, E>,
    ) -> Call<T, E> {
        f(
            &self.world.rio_redshift_io_pipe().redshift_io(),
            &mut self.store,
            self.pipe,
        )
    }

    /// Runs a call with fresh credentials. A call that S3 refused for expired credentials
    /// changed nothing, so it is made again, once, with new ones.
    fn run<T>(
        &mut self,
        f: impl Fn(&GuestRedshiftIo, &mut Store<Sandbox>, ResourceAny) -> Call<T, wit::Error>,
    ) -> Result<T, Error> {
        self.refresh_if_due()?;
        let outcome = match self.call(&f)? {
            Err(e) if is_expired(&e) && self.refresher.is_some() => {
                self.refresh()?;
                self.call(&f)?
            }
            outcome => outcome,
        };
        outcome.map_err(|e| self.explain(e.into()))
    }

    fn refresh_if_due(&mut self) -> Result<(), Error> {
        match &self.refresher {
            Some(refresher) if refresher.due() => self.refresh(),
            _ => Ok(()),
        }
    }

    /// Asks the provider for credentials and hands them to the component.
    fn refresh(&mut self) -> Result<(), Error> {
        let Some(refresher) = &mut self.refresher else {
            return Ok(());
        };
        let credentials = refresher.ask()?.into();
        let outcome =
            self.call(|guest, store, pipe| guest.call_set_credentials(store, pipe, &credentials))?;
        Ok(outcome?)
    }

    /// Names what the host refused (see `Sandbox::explain`).
    fn explain(&mut self, error: Error) -> Error {
        self.store.data_mut().explain(error)
    }
}
