//! The practice's note templates, on the settings page: add one, change its text, make it the
//! default for its type, or archive it.

use api_types::notes::{NoteTemplate, NoteTemplateInput, NoteType};
use leptos::html::Div;
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::clinical::RichTextEditor;
use crate::components::common::{
    use_toasts, CheckboxField, ProblemAlert, SelectField, SkeletonRows, TextField,
};
use crate::forms::FieldErrors;

#[component]
pub fn NoteTemplatesCard() -> impl IntoView {
    let auth = use_auth();
    let templates = Loader::new(
        || (),
        move |()| async move { api::clinical::notes::templates(&auth.client()).await },
    );
    let editing = RwSignal::new(None::<Option<NoteTemplate>>);
    view! {
        <section class="card stack" aria-labelledby="note-templates-heading">
            <div class="card-header">
                <h2 class="card-title" id="note-templates-heading">"Note templates"</h2>
                <button type="button" class="button button-secondary" on:click=move |_| editing.set(Some(None))>
                    "Add template"
                </button>
            </div>
            <p class="field-hint">"Clinicians start each note from the default template of its type, and may pick another."</p>
            {move || editing.get().map(|existing| view! {
                <TemplateForm
                    existing
                    on_done=Callback::new(move |()| {
                        editing.set(None);
                        templates.reload();
                    })
                />
            })}
            {move || match templates.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list.into_iter().map(|t| {
                            let edit = t.clone();
                            let facts = [
                                Some(t.note_type.label()),
                                t.is_default.then_some("default"),
                                t.archived.then_some("archived"),
                            ]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" · ");
                            view! {
                                <li class="list-row">
                                    <div>
                                        <span class="list-primary">{t.name.clone()}</span>
                                        <br />
                                        <span class="muted list-secondary">{facts}</span>
                                    </div>
                                    <button type="button" class="button button-ghost" on:click=move |_| editing.set(Some(Some(edit.clone())))>
                                        "Edit"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                    .into_any(),
            }}
        </section>
    }
}

#[component]
fn TemplateForm(existing: Option<NoteTemplate>, on_done: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let name = RwSignal::new(
        existing
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default(),
    );
    let note_type = RwSignal::new(
        existing
            .as_ref()
            .map_or(NoteType::Soap, |t| t.note_type)
            .as_str()
            .to_owned(),
    );
    let is_default = RwSignal::new(existing.as_ref().is_some_and(|t| t.is_default));
    let archived = RwSignal::new(existing.as_ref().is_some_and(|t| t.archived));
    let editor = NodeRef::<Div>::new();
    let errors = FieldErrors::new();
    let id = existing.as_ref().map(|t| t.id);
    let save = Action::new_unsync(move |input: &NoteTemplateInput| {
        let input = input.clone();
        async move {
            let client = auth.client();
            let result = match id {
                Some(id) => api::clinical::notes::update_template(&client, id, &input).await,
                None => api::clinical::notes::create_template(&client, &input).await,
            };
            match result {
                Ok(t) => {
                    toasts.success(format!("Template “{}” saved", t.name));
                    on_done.run(());
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let submit = move |_| {
        let input = NoteTemplateInput {
            name: name.get_untracked(),
            note_type: NoteType::parse(&note_type.get_untracked()).unwrap_or(NoteType::Progress),
            body_html: editor
                .get_untracked()
                .map(|e| e.inner_html())
                .unwrap_or_default(),
            is_default: is_default.get_untracked(),
            archived: archived.get_untracked(),
        };
        if errors.check(input.validate()) {
            save.dispatch(input);
        }
    };
    let types = NoteType::ALL
        .into_iter()
        .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
        .collect::<Vec<_>>();
    let initial = existing
        .map(|t| t.body_html)
        .unwrap_or_else(|| "<p><br></p>".into());
    view! {
        <div class="stack template-form">
            <div class="form-grid">
                <TextField id="template-name" label="Name" value=name error=errors.of("name") required=true />
                <SelectField id="template-type" label="Note type" value=note_type options=types />
            </div>
            <RichTextEditor editor initial label="Template text" />
            <CheckboxField id="template-default" label="Default for its type" checked=is_default />
            <CheckboxField id="template-archived" label="Archived (no longer offered)" checked=archived />
            <div class="form-actions form-actions-start">
                <button type="button" class="button button-primary" disabled=move || save.pending().get() on:click=submit>"Save template"</button>
                <button type="button" class="button button-ghost" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </div>
    }
}
