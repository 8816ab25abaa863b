//! Toasts: short confirmations and failures that appear in a corner and go away by themselves.
//! A live region announces them to screen readers.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

/// The toasts on screen. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next_id: StoredValue<u64>,
}

/// How long a toast stays, in milliseconds. Failures stay longer: they need reading.
const SUCCESS_MS: u32 = 4_000;
const ERROR_MS: u32 = 8_000;

impl Toasts {
    pub fn success(&self, message: impl Into<String>) {
        self.push(ToastKind::Success, message.into());
    }

    /// An error, often the server's words: any time in it is written as the app writes times.
    pub fn error(&self, message: impl Into<String>) {
        self.push(ToastKind::Error, crate::format::times_in(&message.into()));
    }

    fn push(&self, kind: ToastKind, message: String) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|list| {
            list.push(Toast { id, kind, message });
            // A burst of failures should not bury the screen.
            if list.len() > 4 {
                list.remove(0);
            }
        });
        let list = self.list;
        let ms = match kind {
            ToastKind::Success => SUCCESS_MS,
            ToastKind::Error => ERROR_MS,
        };
        set_timeout(
            move || {
                list.try_update(|list| list.retain(|t| t.id != id));
            },
            std::time::Duration::from_millis(u64::from(ms)),
        );
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|list| list.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        list: RwSignal::new(Vec::new()),
        next_id: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// Where toasts appear. Mounted once, by the app.
#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div
                    class="toast"
                    class:toast-success=toast.kind == ToastKind::Success
                    class:toast-error=toast.kind == ToastKind::Error
                >
                    <span class="toast-message">{toast.message.clone()}</span>
                    <button
                        type="button"
                        class="toast-close"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
