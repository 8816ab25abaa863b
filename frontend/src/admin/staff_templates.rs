//! The messages staff start from when they write to a patient, on the settings page: add one,
//! change its name, subject and text, move it up or down the list staff choose from, or remove
//! it, with the placeholders a template may use and the length of the SMS it makes.

use api_types::comms::{
    StaffTemplate, StaffTemplates, MAX_STAFF_TEMPLATES, SMS_MAX_CHARS, STAFF_TEMPLATE_PLACEHOLDERS,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, ProblemAlert, SkeletonRows, TextAreaField, TextField};
use crate::format;
use crate::forms::FieldErrors;

/// The id of the button that adds a template.
const ADD_ID: &str = "staff-templates-add";

/// One template as it is being edited.
#[derive(Clone)]
struct Row {
    name: ArcRwSignal<String>,
    subject: ArcRwSignal<String>,
    body: ArcRwSignal<String>,
}

impl Row {
    fn new(t: StaffTemplate) -> Self {
        Row {
            name: ArcRwSignal::new(t.name),
            subject: ArcRwSignal::new(t.subject),
            body: ArcRwSignal::new(t.body),
        }
    }

    /// The template to save, trimmed as the server keeps it.
    fn template(&self) -> StaffTemplate {
        StaffTemplate {
            name: self.name.get_untracked().trim().to_owned(),
            subject: self.subject.get_untracked().trim().to_owned(),
            body: self.body.get_untracked().trim().to_owned(),
        }
    }
}

/// Moves focus to the element with `id` once the list has been drawn again.
fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(element) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    });
}

#[component]
pub fn StaffTemplatesCard() -> impl IntoView {
    let auth = use_auth();
    let templates = Loader::new(
        || (),
        move |()| async move { api::comms::staff_templates(&auth.client()).await },
    );
    let placeholders = STAFF_TEMPLATE_PLACEHOLDERS
        .iter()
        .map(|(p, what)| {
            view! {
                <li>
                    <code>{format!("{{{p}}}")}</code>
                    {format!(": {what}")}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card stack" aria-labelledby="staff-templates-heading">
            <h2 class="card-title" id="staff-templates-heading">"Staff message templates"</h2>
            <p class="field-hint">
                "Staff choose from these when they write to a patient by SMS or email from the Correspondence tab, and can change the text before sending. Placeholders:"
            </p>
            <ul class="field-hint placeholder-list">{placeholders}</ul>
            <p class="field-hint">
                "Each message is counted as an SMS with its placeholders as written: the names filled in make it a little shorter or longer."
            </p>
            {move || match templates.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(current)) => view! { <StaffTemplatesForm current /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn StaffTemplatesForm(current: StaffTemplates) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let rows = RwSignal::new(
        current
            .templates
            .into_iter()
            .map(Row::new)
            .collect::<Vec<_>>(),
    );
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |t: &StaffTemplates| {
        let t = t.clone();
        async move {
            match api::comms::save_staff_templates(&auth.client(), &t).await {
                Ok(saved) => {
                    toasts.success("Staff message templates saved.");
                    rows.set(saved.templates.into_iter().map(Row::new).collect());
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let t = StaffTemplates {
            templates: rows.with_untracked(|r| r.iter().map(Row::template).collect()),
        };
        if errors.check(t.validate()) {
            save.dispatch(t);
        }
    };

    // Moving, adding or removing a template numbers the others afresh, so messages at the
    // fields would point at the wrong ones: they go, and come back at the next save.
    let renumbered = move || {
        errors.clear();
        problem.set(None);
    };
    let on_move = Callback::new(move |(from, to): (usize, usize)| {
        let n = rows.with_untracked(Vec::len);
        if from >= n || to >= n {
            return;
        }
        rows.update(|r| r.swap(from, to));
        renumbered();
        // Focus stays on the button pressed, in the template's new place; at either end, where
        // that button is disabled, on the other one.
        let up = if to < from { to > 0 } else { to + 1 == n };
        focus_later(format!(
            "templates[{to}]-{}",
            if up { "up" } else { "down" }
        ));
    });
    let on_remove = Callback::new(move |i: usize| {
        rows.update(|r| {
            if i < r.len() {
                r.remove(i);
            }
        });
        renumbered();
        let n = rows.with_untracked(Vec::len);
        focus_later(if n == 0 {
            ADD_ID.to_owned()
        } else {
            format!("templates[{}]-remove", i.min(n - 1))
        });
    });
    let add = move |_| {
        rows.update(|r| {
            r.push(Row::new(StaffTemplate {
                name: String::new(),
                subject: String::new(),
                body: String::new(),
            }))
        });
        renumbered();
        let n = rows.with_untracked(Vec::len);
        focus_later(format!("templates[{}].name", n - 1));
    };
    let full = move || rows.with(|r| r.len() >= MAX_STAFF_TEMPLATES);
    let list_error = errors.of("templates");

    let list = move || {
        let all = rows.get();
        let n = all.len();
        if n == 0 {
            return view! {
                <p class="muted">"No templates: staff write each message themselves."</p>
            }
            .into_any();
        }
        all.into_iter()
            .enumerate()
            .map(|(i, row)| view! { <TemplateFields i n row errors on_move on_remove /> })
            .collect_view()
            .into_any()
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            {list}
            <div class="form-actions form-actions-start">
                <button
                    type="button"
                    id=ADD_ID
                    class="button button-secondary"
                    disabled=full
                    on:click=add
                >
                    "Add template"
                </button>
            </div>
            <Show when=full>
                <p class="field-hint">{format!("A practice keeps at most {MAX_STAFF_TEMPLATES} templates.")}</p>
            </Show>
            {move || list_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save templates" }}
                </button>
            </div>
        </form>
    }
}

/// One template's fields, the length of the SMS it makes, and the buttons that move or remove
/// it.
#[component]
fn TemplateFields(
    /// Its place in the list.
    i: usize,
    /// How many templates there are.
    n: usize,
    row: Row,
    errors: FieldErrors,
    on_move: Callback<(usize, usize)>,
    on_remove: Callback<usize>,
) -> impl IntoView {
    let name = RwSignal::from(row.name);
    let subject = RwSignal::from(row.subject);
    let body = RwSignal::from(row.body);
    let field = move |f: &str| format!("templates[{i}].{f}");
    let legend = move || {
        name.with(|n| match n.trim() {
            "" => "New template".to_owned(),
            n => n.to_owned(),
        })
    };
    let chars = move || body.with(|b| b.trim().chars().count());
    let (first, last) = (i == 0, i + 1 >= n);
    view! {
        <fieldset class="fieldset staff-template">
            <legend>{legend}</legend>
            <TextField id=field("name") label="Name" value=name required=true error=errors.of(field("name")) />
            <TextField id=field("subject") label="Email subject" value=subject required=true error=errors.of(field("subject")) />
            <TextAreaField id=field("body") label="Message" value=body rows=3 error=errors.of(field("body")) />
            <p
                class=move || {
                    if chars() > SMS_MAX_CHARS { "field-hint compose-count field-error" } else { "field-hint compose-count" }
                }
                data-testid="sms-count"
            >
                {move || format::sms_length(chars())}
            </p>
            <div class="form-actions form-actions-start">
                <button
                    type="button"
                    id=format!("templates[{i}]-up")
                    class="button button-ghost button-small"
                    disabled=first
                    on:click=move |_| {
                        if i > 0 {
                            on_move.run((i, i - 1));
                        }
                    }
                >
                    "Move up"
                </button>
                <button
                    type="button"
                    id=format!("templates[{i}]-down")
                    class="button button-ghost button-small"
                    disabled=last
                    on:click=move |_| on_move.run((i, i + 1))
                >
                    "Move down"
                </button>
                <button
                    type="button"
                    id=format!("templates[{i}]-remove")
                    class="button button-ghost button-small"
                    on:click=move |_| on_remove.run(i)
                >
                    "Remove"
                </button>
            </div>
        </fieldset>
    }
}
