//! A labelled text input with its error message tied to it for assistive technology.

use leptos::html::Input;
use leptos::prelude::*;

#[component]
pub fn TextField(
    /// The input's id; the label and error message hang off it.
    id: &'static str,
    #[prop(into)] label: Signal<&'static str>,
    /// The bound value.
    value: RwSignal<String>,
    /// The message for this field, if its value needs fixing.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The input's `type`.
    #[prop(default = "text")]
    input_type: &'static str,
    /// The input's `autocomplete` hint, such as `username` or `one-time-code`.
    #[prop(into)]
    autocomplete: Signal<&'static str>,
    /// The input's `inputmode`, for the on-screen keyboard.
    #[prop(optional, into)]
    inputmode: MaybeProp<&'static str>,
    #[prop(optional)] node_ref: NodeRef<Input>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described_by = {
        let error_id = error_id.clone();
        move || error.with(Option::is_some).then(|| error_id.clone())
    };
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label class="field-label" for=id>
                {move || label.get()}
            </label>
            <input
                id=id
                name=id
                class="input"
                type=input_type
                autocomplete=move || autocomplete.get()
                inputmode=move || inputmode.get()
                spellcheck="false"
                autocapitalize="off"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                node_ref=node_ref
                bind:value=value
            />
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p class="field-error" id=error_id.clone()>
                                {message}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
