//! Loading data for a screen: the latest answer stays on screen while the next one loads, and a
//! reply that arrives after a newer request started is dropped, so that typing fast in a search
//! box never shows the results of an older query.

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

use super::ApiResult;

/// What a screen shows: the latest answer, whether a newer one is on its way, and how to ask
/// again. Cheap to copy.
pub struct Loader<T: Send + Sync + 'static> {
    data: RwSignal<Option<ApiResult<T>>>,
    loading: RwSignal<bool>,
    reloads: RwSignal<u64>,
}

impl<T: Send + Sync + 'static> Clone for Loader<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loader<T> {}

impl<T: Clone + Send + Sync + 'static> Loader<T> {
    /// Loads `fetch(source())` now and again whenever a signal `source` reads changes.
    pub fn new<S, Fut>(source: impl Fn() -> S + 'static, fetch: impl Fn(S) -> Fut + 'static) -> Self
    where
        S: 'static,
        Fut: Future<Output = ApiResult<T>> + 'static,
    {
        let loader = Loader {
            data: RwSignal::new(None),
            loading: RwSignal::new(true),
            reloads: RwSignal::new(0),
        };
        let generation = StoredValue::new(0_u64);
        Effect::new(move |_| {
            loader.reloads.track();
            let input = source();
            let this = generation.get_value() + 1;
            generation.set_value(this);
            loader.loading.set(true);
            let request = fetch(input);
            spawn_local(async move {
                let result = request.await;
                // A newer request has started (or the screen is gone): its answer wins.
                if generation.try_get_value() == Some(this) {
                    loader.data.try_set(Some(result));
                    loader.loading.try_set(false);
                }
            });
        });
        loader
    }

    /// The latest answer, `None` before the first arrives (tracked).
    pub fn get(&self) -> Option<ApiResult<T>> {
        self.data.get()
    }

    /// The latest answer, without tracking it (for event handlers).
    pub fn get_untracked(&self) -> Option<ApiResult<T>> {
        self.data.get_untracked()
    }

    /// The latest successful value (tracked).
    pub fn value(&self) -> Option<T> {
        self.data.get().and_then(Result::ok)
    }

    /// Whether a request is in flight (tracked).
    pub fn loading(&self) -> bool {
        self.loading.get()
    }

    /// Asks again, keeping the current answer on screen meanwhile.
    pub fn reload(&self) {
        self.reloads.update(|n| *n += 1);
    }

    /// Replaces the answer with one already in hand, such as the record a save returned.
    pub fn set(&self, value: T) {
        self.data.set(Some(Ok(value)));
    }
}
