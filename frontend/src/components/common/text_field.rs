//! Labelled form fields with their error message tied to them for assistive technology.

use leptos::html::Input;
use leptos::prelude::*;

/// The id of a field's error message, which `aria-describedby` points at.
fn error_id(id: &str) -> String {
    format!("{id}-error")
}

fn hint_id(id: &str) -> String {
    format!("{id}-hint")
}

/// `aria-describedby`: the hint and, when there is one, the error.
fn described_by(
    id: &str,
    has_hint: bool,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> {
    let id = id.to_owned();
    move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id(&id));
        }
        if error.with(Option::is_some) {
            ids.push(error_id(&id));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The label, hint and error around a control.
#[component]
fn FieldFrame(
    id: String,
    #[prop(into)] label: Signal<String>,
    hint: Option<&'static str>,
    error: Signal<Option<String>>,
    required: bool,
    children: Children,
) -> impl IntoView {
    let error_id = error_id(&id);
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            // The asterisk is drawn by CSS with empty alternative text, so that the field's
            // accessible name stays its label; `aria-required` on the control says it is needed.
            <label class="field-label" class:field-label-required=required for=id.clone()>
                {move || label.get()}
            </label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id(&id)>{hint}</p> })}
            {children()}
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

#[component]
pub fn TextField(
    /// The input's id; the label and error message hang off it.
    #[prop(into)]
    id: String,
    #[prop(into)] label: Signal<String>,
    /// The bound value.
    value: RwSignal<String>,
    /// The message for this field, if its value needs fixing.
    #[prop(optional, into)]
    error: Signal<Option<String>>,
    /// The input's `type`.
    #[prop(default = "text")]
    input_type: &'static str,
    /// The input's `autocomplete` hint, such as `username` or `one-time-code`.
    #[prop(optional, into)]
    autocomplete: MaybeProp<&'static str>,
    /// The input's `inputmode`, for the on-screen keyboard.
    #[prop(optional, into)]
    inputmode: MaybeProp<&'static str>,
    /// Help shown under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] placeholder: MaybeProp<&'static str>,
    /// The input's `step`, for number and time inputs.
    #[prop(optional, into)]
    step: MaybeProp<&'static str>,
    #[prop(optional)] node_ref: NodeRef<Input>,
) -> impl IntoView {
    let described_by = described_by(&id, hint.is_some(), error);
    view! {
        <FieldFrame id=id.clone() label hint error required>
            <input
                id=id.clone()
                name=id
                class="input"
                type=input_type
                autocomplete=move || autocomplete.get().unwrap_or("off")
                inputmode=move || inputmode.get()
                placeholder=move || placeholder.get()
                step=move || step.get()
                spellcheck="false"
                aria-required=required.then_some("true")
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                node_ref=node_ref
                bind:value=value
            />
        </FieldFrame>
    }
}

#[component]
pub fn TextAreaField(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = 4)] rows: u32,
) -> impl IntoView {
    let described_by = described_by(&id, hint.is_some(), error);
    view! {
        <FieldFrame id=id.clone() label hint error required=false>
            <textarea
                id=id.clone()
                name=id
                class="input textarea"
                rows=rows
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                bind:value=value
            ></textarea>
        </FieldFrame>
    }
}

/// A `<select>` over `(value, label)` options, bound to the chosen value.
#[component]
pub fn SelectField(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let described_by = described_by(&id, hint.is_some(), error);
    view! {
        <FieldFrame id=id.clone() label hint error required>
            <select
                id=id.clone()
                name=id
                class="input select"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = v == value.get_untracked();
                        view! {
                            <option value=v selected=selected>
                                {l}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </FieldFrame>
    }
}

/// A checkbox with its label beside it.
#[component]
pub fn CheckboxField(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    checked: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="checkbox-field">
            <input id=id.clone() type="checkbox" class="checkbox" bind:checked=checked />
            <label for=id>{move || label.get()}</label>
        </div>
    }
}
