//! A modal dialog on the native `<dialog>` element: it traps focus, closes on Escape and returns
//! focus to what opened it, all by the browser's own rules.

use leptos::html::Dialog as DialogElement;
use leptos::prelude::*;

#[component]
pub fn Dialog(
    /// Whether the dialog is open; set to `false` when it closes by Escape.
    open: RwSignal<bool>,
    /// The dialog's heading, which also names it for assistive technology.
    #[prop(into)]
    title: Signal<String>,
    /// An id for the heading, unique on the page.
    id: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let node = NodeRef::<DialogElement>::new();
    Effect::new(move |_| {
        let Some(dialog) = node.get() else { return };
        if open.get() {
            if !dialog.open() {
                // Fails only when the element is not in the document.
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });
    let heading_id = format!("{id}-title");
    let labelled_by = heading_id.clone();
    view! {
        <dialog
            class="dialog"
            node_ref=node
            aria-labelledby=labelled_by
            on:close=move |_| open.set(false)
        >
            <div class="dialog-header">
                <h2 class="dialog-title" id=heading_id>
                    {move || title.get()}
                </h2>
                <button
                    type="button"
                    class="button button-ghost button-icon"
                    aria-label="Close"
                    on:click=move |_| open.set(false)
                >
                    "×"
                </button>
            </div>
            <div class="dialog-body">{move || open.get().then(|| children())}</div>
        </dialog>
    }
}
