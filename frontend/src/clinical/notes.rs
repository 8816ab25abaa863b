//! The Notes tab: the patient's timeline (notes, questionnaires, appointments, documents and
//! imaging, filterable by kind and note type), the note editor (rich text from a practice
//! template, linked to an appointment), signing, amendments with every version shown, and
//! attachments. The portal shows the same signed notes, read-only.

use api_types::notes::{
    NewAmendment, NewNote, Note, NoteQuery, NoteStatus, NoteTemplate, NoteType, NoteVersionKind,
    TimelineEntry, TimelineKind, TimelineQuery,
};
use api_types::scheduling::AppointmentQuery;
use leptos::html::Div;
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::documents::{FileList, UploadForm, UploadTarget};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, Dialog, ProblemAlert, SelectField, SkeletonRows, TextAreaField, TextField,
};
use crate::format;
use crate::forms::FieldErrors;

fn status_badge(s: NoteStatus) -> (&'static str, &'static str) {
    match s {
        NoteStatus::Draft => ("badge badge-warning", "Draft"),
        NoteStatus::Signed => ("badge badge-success", "Signed"),
        NoteStatus::Amended => ("badge badge-info", "Amended"),
    }
}

/// What the editor is doing.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    New,
    Draft(Note),
    Amend(Note),
}

/// The staff Notes tab.
#[component]
pub fn NotesPanel(patient_id: Uuid) -> impl IntoView {
    let editing = RwSignal::new(None::<Editing>);
    let refresh = RwSignal::new(0u32);
    let open_note = RwSignal::new(None::<Uuid>);
    let done = Callback::new(move |n: Note| {
        editing.set(None);
        open_note.set(Some(n.id));
        refresh.update(|r| *r += 1);
    });
    view! {
        <div class="stack">
            {move || match editing.get() {
                None => view! {
                    <div class="form-actions form-actions-start">
                        <button type="button" class="button button-primary" on:click=move |_| editing.set(Some(Editing::New))>
                            "New note"
                        </button>
                    </div>
                }
                    .into_any(),
                Some(mode) => view! {
                    <NoteEditor patient_id mode on_done=done on_cancel=Callback::new(move |()| editing.set(None)) />
                }
                    .into_any(),
            }}
            <Timeline
                patient_id
                refresh
                open_note
                on_edit=Callback::new(move |n: Note| editing.set(Some(Editing::Draft(n))))
                on_amend=Callback::new(move |n: Note| editing.set(Some(Editing::Amend(n))))
                on_changed=Callback::new(move |()| refresh.update(|r| *r += 1))
            />
        </div>
    }
}

/// A contenteditable area with a formatting toolbar. Whatever it holds is sanitised by the
/// server; the toolbar offers only what survives that.
#[component]
pub fn RichTextEditor(editor: NodeRef<Div>, initial: String, label: &'static str) -> impl IntoView {
    let run = move |command: &str, value: &str| {
        if let Some(area) = editor.get_untracked() {
            let _ = area.focus();
        }
        let doc: web_sys::HtmlDocument = document().unchecked_into();
        let _ = doc.exec_command_with_show_ui_and_value(command, false, value);
    };
    let link = move || {
        let url = window()
            .prompt_with_message("Link address (https://…)")
            .ok()
            .flatten()
            .unwrap_or_default();
        let url = url.trim().to_owned();
        if url.starts_with("https://") || url.starts_with("http://") || url.starts_with("mailto:") {
            run("createLink", &url);
        }
    };
    let tool = move |label: &'static str,
                     text: &'static str,
                     command: &'static str,
                     value: &'static str| {
        view! {
            <button
                type="button"
                class="editor-tool"
                aria-label=label
                title=label
                on:mousedown=|ev| ev.prevent_default()
                on:click=move |_| run(command, value)
            >
                {text}
            </button>
        }
    };
    view! {
        <div class="rich-editor">
            <div class="editor-toolbar" role="toolbar" aria-label="Formatting">
                {tool("Heading", "H", "formatBlock", "h3")}
                {tool("Paragraph", "¶", "formatBlock", "p")}
                {tool("Bold", "B", "bold", "")}
                {tool("Italic", "I", "italic", "")}
                {tool("Bulleted list", "•", "insertUnorderedList", "")}
                {tool("Numbered list", "1.", "insertOrderedList", "")}
                <button
                    type="button"
                    class="editor-tool"
                    aria-label="Link"
                    title="Link"
                    on:mousedown=|ev| ev.prevent_default()
                    on:click=move |_| link()
                >
                    "Link"
                </button>
                {tool("Clear formatting", "Tx", "removeFormat", "")}
            </div>
            <div
                class="editor-area"
                contenteditable="true"
                role="textbox"
                aria-multiline="true"
                aria-label=label
                node_ref=editor
                inner_html=initial
            ></div>
        </div>
    }
}

fn note_type_options() -> Vec<(String, String)> {
    NoteType::ALL
        .into_iter()
        .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
        .collect()
}

/// Write a new note, change a draft, or amend a signed note.
#[component]
fn NoteEditor(
    patient_id: Uuid,
    mode: Editing,
    on_done: Callback<Note>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let existing = match &mode {
        Editing::New => None,
        Editing::Draft(n) | Editing::Amend(n) => Some(n.clone()),
    };
    let amending = matches!(mode, Editing::Amend(_));
    let note_type = RwSignal::new(
        existing
            .as_ref()
            .map_or(NoteType::Soap, |n| n.note_type)
            .as_str()
            .to_owned(),
    );
    let title = RwSignal::new(
        existing
            .as_ref()
            .map(|n| n.title.clone())
            .unwrap_or_default(),
    );
    let appointment = RwSignal::new(
        existing
            .as_ref()
            .and_then(|n| n.appointment_id)
            .map(|a| a.to_string())
            .unwrap_or_default(),
    );
    let reason = RwSignal::new(String::new());
    let template = RwSignal::new(String::new());
    let editor = NodeRef::<Div>::new();
    let errors = FieldErrors::new();
    let saved = RwSignal::new(existing.clone().filter(|_| !amending));
    let amend_id = existing.as_ref().filter(|_| amending).map(|n| n.id);
    let reload = move |id: Uuid| {
        leptos::task::spawn_local(async move {
            if let Ok(n) = api::clinical::notes::get(&auth.client(), id).await {
                saved.set(Some(n));
            }
        });
    };

    let templates = Loader::new(
        || (),
        move |()| async move { api::clinical::notes::templates(&auth.client()).await },
    );
    let apply_template = move |t: &NoteTemplate| {
        if let Some(area) = editor.get_untracked() {
            area.set_inner_html(&t.body_html);
        }
        template.set(t.id.to_string());
    };
    // A new note starts from the default template of its type.
    if existing.is_none() {
        Effect::new(move |_| {
            let ty = note_type.get();
            if let Some(Ok(list)) = templates.get() {
                if let Some(t) = list
                    .iter()
                    .filter(|t| !t.archived && t.note_type.as_str() == ty)
                    .max_by_key(|t| t.is_default)
                {
                    apply_template(t);
                }
            }
        });
    }
    let on_template = move |id: String| {
        if let Some(Ok(list)) = templates.get_untracked() {
            if let Some(t) = list.iter().find(|t| t.id.to_string() == id) {
                apply_template(t);
            }
        }
    };

    let body_html = move || {
        editor
            .get_untracked()
            .map(|e| e.inner_html())
            .unwrap_or_default()
    };
    let input = move || NewNote {
        note_type: NoteType::parse(&note_type.get_untracked()).unwrap_or(NoteType::Progress),
        title: title.get_untracked(),
        body_html: body_html(),
        appointment_id: appointment.get_untracked().parse().ok(),
    };
    let confirm_sign = RwSignal::new(false);
    let save = Action::new_unsync(move |sign: &bool| {
        let sign = *sign;
        async move {
            let client = auth.client();
            let result = if amending {
                match amend_id {
                    Some(id) => {
                        api::clinical::notes::amend(
                            &client,
                            id,
                            &NewAmendment {
                                title: Some(title.get_untracked()),
                                body_html: body_html(),
                                reason: reason.get_untracked(),
                            },
                        )
                        .await
                    }
                    None => return,
                }
            } else {
                let draft = match saved.get_untracked() {
                    Some(n) => api::clinical::notes::update(&client, n.id, &input()).await,
                    None => api::clinical::notes::create(&client, patient_id, &input()).await,
                };
                match draft {
                    Ok(n) if sign => api::clinical::notes::sign(&client, n.id).await,
                    other => other,
                }
            };
            match result {
                Ok(n) => {
                    toasts.success(match (amending, n.status) {
                        (true, _) => "Amendment saved",
                        (false, NoteStatus::Draft) => "Draft saved",
                        _ => "Note signed",
                    });
                    if n.status == NoteStatus::Draft {
                        saved.set(Some(n));
                    } else {
                        on_done.run(n);
                    }
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let initial = existing
        .as_ref()
        .map(|n| n.body_html.clone())
        .unwrap_or_default();
    let heading = match &mode {
        Editing::New => "New note".to_owned(),
        Editing::Draft(_) => "Edit draft".to_owned(),
        Editing::Amend(n) => format!("Amend “{}”", n.title),
    };
    view! {
        <section class="card stack note-editor" aria-labelledby="note-editor-heading">
            <h2 class="card-title" id="note-editor-heading">{heading}</h2>
            {amending.then(|| view! {
                <p class="field-hint">"The signed versions stay as they are; this becomes the next version, with your reason."</p>
            })}
            <div class="form-grid">
                {(!amending).then(|| view! {
                    <SelectField id="note-type" label="Type" value=note_type options=note_type_options() />
                })}
                {move || (!amending && saved.get().is_none()).then(|| {
                    let ty = note_type.get();
                    let options: Vec<(String, String)> = templates
                        .value()
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|t| !t.archived && t.note_type.as_str() == ty)
                        .map(|t| (t.id.to_string(), t.name))
                        .collect();
                    view! {
                        <div class="field">
                            <label class="field-label" for="note-template">"Template"</label>
                            <select id="note-template" class="input" prop:value=move || template.get() on:change=move |ev| on_template(event_target_value(&ev))>
                                {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                            </select>
                        </div>
                    }
                })}
                <TextField id="note-title" label="Title" value=title error=errors.of("title") required=true />
                {(!amending).then(|| view! {
                    <AppointmentSelect patient_id id="note-appointment" value=appointment error=errors.of("appointment_id") />
                })}
            </div>
            <RichTextEditor editor initial label="Note" />
            {move || errors.of("body_html").get().map(|m| view! { <p class="field-error">{m}</p> })}
            {amending.then(|| view! {
                <TextAreaField id="amend-reason" label="Reason for the amendment" value=reason error=errors.of("reason") rows=2 />
            })}
            {move || saved.get().map(|n| view! {
                <div class="stack">
                    <h3 class="subheading">"Attachments"</h3>
                    {(!n.attachments.is_empty()).then(|| view! {
                        <FileList files=n.attachments.clone() can_remove=Callback::new(|_| true) on_removed=Callback::new(move |()| reload(n.id)) />
                    })}
                    <UploadForm target=UploadTarget::Note(n.id) id="note-attachment" on_uploaded=Callback::new(move |_| reload(n.id)) />
                </div>
            })}
            {move || (!amending && saved.get().is_none()).then(|| view! {
                <p class="field-hint">"Save the draft to add attachments."</p>
            })}
            <div class="form-actions form-actions-start">
                {if amending {
                    view! {
                        <button type="button" class="button button-primary" disabled=move || save.pending().get() on:click=move |_| { save.dispatch(false); }>
                            "Save amendment"
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <button type="button" class="button button-primary" disabled=move || save.pending().get() on:click=move |_| confirm_sign.set(true)>
                            "Sign note"
                        </button>
                        <SignConfirm open=confirm_sign on_confirm=Callback::new(move |()| { save.dispatch(true); }) />
                        <button type="button" class="button button-secondary" disabled=move || save.pending().get() on:click=move |_| { save.dispatch(false); }>
                            "Save draft"
                        </button>
                    }
                        .into_any()
                }}
                <button type="button" class="button button-ghost" on:click=move |_| {
                    if let Some(n) = saved.get_untracked() { on_done.run(n) } else { on_cancel.run(()) }
                }>
                    "Close"
                </button>
            </div>
        </section>
    }
}

/// One of the patient's appointments from the last 60 days (or today), or none.
#[component]
pub fn AppointmentSelect(
    patient_id: Uuid,
    id: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let auth = use_auth();
    let appointments = Loader::new(
        || (),
        move |()| async move {
            let today = crate::forms::today();
            api::scheduling::appointments(
                &auth.client(),
                &AppointmentQuery {
                    from: Some(api_types::scheduling::DateOrInstant::Date(
                        today - chrono::Duration::days(60),
                    )),
                    to: Some(api_types::scheduling::DateOrInstant::Date(
                        today + chrono::Duration::days(1),
                    )),
                    practitioner_id: None,
                    patient_id: Some(patient_id),
                    status: None,
                    descending: Some(true),
                    limit: Some(50),
                    offset: None,
                },
            )
            .await
        },
    );
    view! {
        <div class="field">
            <label class="field-label" for=id>"Appointment"</label>
            <select id=id class="input" prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">"None"</option>
                {move || appointments.value().map(|page| page.items.into_iter().map(|a| {
                    let label = format!("{} · {}", a.appointment_type_name, format::date_time(a.starts_at));
                    view! { <option value=a.id.to_string()>{label}</option> }
                }).collect_view())}
            </select>
            {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
    }
}

/// The patient's timeline with its filters; a note opens in place.
#[component]
fn Timeline(
    patient_id: Uuid,
    refresh: RwSignal<u32>,
    open_note: RwSignal<Option<Uuid>>,
    on_edit: Callback<Note>,
    on_amend: Callback<Note>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let kind = RwSignal::new(String::new());
    let note_type = RwSignal::new(String::new());
    let entries = Loader::new(
        move || (refresh.get(), kind.get(), note_type.get()),
        move |(_, kind, note_type)| async move {
            api::clinical::notes::timeline(
                &auth.client(),
                patient_id,
                &TimelineQuery {
                    kinds: (!kind.is_empty()).then_some(kind),
                    note_type: NoteType::parse(&note_type),
                    limit: Some(200),
                },
            )
            .await
        },
    );
    let mut kinds = vec![(String::new(), "Everything".to_owned())];
    kinds.extend(
        TimelineKind::ALL
            .into_iter()
            .map(|k| (k.as_str().to_owned(), k.label().to_owned())),
    );
    let mut types = vec![(String::new(), "All note types".to_owned())];
    types.extend(note_type_options());
    view! {
        <section class="card stack" aria-labelledby="timeline-heading">
            <div class="card-header">
                <h2 class="card-title" id="timeline-heading">"Timeline"</h2>
                <div class="filters">
                    <SelectField id="timeline-kind" label="Show" value=kind options=kinds />
                    {move || (kind.get().is_empty() || kind.get() == "note").then(|| view! {
                        <SelectField id="timeline-note-type" label="Note type" value=note_type options=types.clone() />
                    })}
                </div>
            </div>
            {move || match entries.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"Nothing recorded yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ol class="timeline">
                        {list.into_iter().map(|e| view! { <TimelineRow entry=e open_note on_edit on_amend on_changed /> }).collect_view()}
                    </ol>
                }
                    .into_any(),
            }}
        </section>
    }
}

#[component]
fn TimelineRow(
    entry: TimelineEntry,
    open_note: RwSignal<Option<Uuid>>,
    on_edit: Callback<Note>,
    on_amend: Callback<Note>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let id = entry.id;
    let is_note = entry.kind == TimelineKind::Note;
    let expanded = move || is_note && open_note.get() == Some(id);
    let kind_class = format!("timeline-item timeline-{}", entry.kind.as_str());
    let meta = [
        Some(format::date_time(entry.at)),
        Some(entry.summary.clone()),
        entry.by_name.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let title = entry.title.clone();
    view! {
        <li class=kind_class>
            <div class="timeline-head">
                {if is_note {
                    view! {
                        <button
                            type="button"
                            class="link-button list-primary"
                            aria-expanded=move || expanded().to_string()
                            on:click=move |_| open_note.update(|o| *o = if *o == Some(id) { None } else { Some(id) })
                        >
                            {title.clone()}
                        </button>
                    }
                        .into_any()
                } else {
                    view! { <span class="list-primary">{title.clone()}</span> }.into_any()
                }}
                <span class="muted list-secondary">{meta}</span>
            </div>
            {move || expanded().then(|| view! { <NoteLoader id on_edit on_amend on_changed read_only=false /> })}
        </li>
    }
}

/// Loads a note and shows it.
#[component]
fn NoteLoader(
    id: Uuid,
    on_edit: Callback<Note>,
    on_amend: Callback<Note>,
    on_changed: Callback<()>,
    read_only: bool,
) -> impl IntoView {
    let auth = use_auth();
    let note = Loader::new(
        || (),
        move |()| async move { api::clinical::notes::get(&auth.client(), id).await },
    );
    move || match note.get() {
        None => view! { <SkeletonRows rows=3 /> }.into_any(),
        Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
        Some(Ok(n)) => {
            view! { <NoteView note=n on_edit on_amend on_changed read_only /> }.into_any()
        }
    }
}

/// A note: its text, who wrote and signed it, every version, attachments, and what may be done.
#[component]
pub fn NoteView(
    note: Note,
    on_edit: Callback<Note>,
    on_amend: Callback<Note>,
    on_changed: Callback<()>,
    read_only: bool,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let mine = auth.me().is_some_and(|m| m.id == note.author_id);
    let is_draft = note.status == NoteStatus::Draft;
    let (badge_class, badge) = status_badge(note.status);
    let id = note.id;
    let confirm_sign = RwSignal::new(false);
    let sign = Action::new_unsync(move |_: &()| async move {
        match api::clinical::notes::sign(&auth.client(), id).await {
            Ok(_) => {
                toasts.success("Note signed");
                on_changed.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let discard = Action::new_unsync(move |_: &()| async move {
        match api::clinical::notes::discard(&auth.client(), id).await {
            Ok(()) => {
                toasts.success("Draft discarded");
                on_changed.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let facts = [
        Some(note.note_type.label().to_owned()),
        note.author_name.clone().map(|a| format!("by {a}")),
        Some(match note.signed_at {
            Some(at) => format!("signed {}", format::date_time(at)),
            None => format!("started {}", format::date_time(note.created_at)),
        }),
        note.appointment_label
            .clone()
            .zip(note.appointment_starts_at)
            .map(|(l, at)| format!("{l}, {}", format::date_time(at))),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let earlier: Vec<_> = note.versions.iter().rev().skip(1).cloned().collect();
    let amendments: Vec<_> = note
        .versions
        .iter()
        .filter(|v| v.kind == NoteVersionKind::Amendment)
        .cloned()
        .collect();
    let (for_edit, for_amend) = (note.clone(), note.clone());
    view! {
        <article class="note" aria-label=note.title.clone()>
            <p class="note-meta">
                <span class=badge_class>{badge}</span>
                " "
                <span class="muted">{facts}</span>
            </p>
            <div class="note-body" inner_html=note.body_html.clone()></div>
            {(!amendments.is_empty()).then(|| view! {
                <ul class="plain-list amendment-list">
                    {amendments.into_iter().map(|v| view! {
                        <li class="muted list-secondary">
                            {format!(
                                "Amended (version {}) by {}, {}: {}",
                                v.version,
                                v.author_name.clone().unwrap_or_default(),
                                format::date_time(v.created_at),
                                v.reason.clone().unwrap_or_default()
                            )}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {(!earlier.is_empty()).then(|| {
                let count = earlier.len();
                view! {
                    <details class="note-versions">
                        <summary>{format!("Earlier versions ({count})")}</summary>
                        {earlier.into_iter().map(|v| view! {
                            <div class="note-version">
                                <p class="muted list-secondary">
                                    {format!(
                                        "Version {}{} · {} · {}",
                                        v.version,
                                        if v.kind == NoteVersionKind::Original { ", as signed" } else { "" },
                                        v.author_name.clone().unwrap_or_default(),
                                        format::date_time(v.created_at)
                                    )}
                                </p>
                                <div class="note-body" inner_html=v.body_html.clone()></div>
                            </div>
                        }).collect_view()}
                    </details>
                }
            })}
            {(!note.attachments.is_empty()).then(|| view! {
                <FileList
                    files=note.attachments.clone()
                    can_remove=Callback::new(move |_| is_draft && mine && !read_only)
                    on_removed=on_changed
                />
            })}
            {(!read_only).then(|| view! {
                <div class="form-actions form-actions-start">
                    {(is_draft && mine).then(|| view! {
                        <button type="button" class="button button-primary" on:click=move |_| confirm_sign.set(true)>"Sign"</button>
                        <SignConfirm open=confirm_sign on_confirm=Callback::new(move |()| { sign.dispatch(()); }) />
                        <button type="button" class="button button-secondary" on:click=move |_| on_edit.run(for_edit.clone())>"Edit draft"</button>
                        <button type="button" class="button button-ghost button-danger-text" on:click=move |_| { discard.dispatch(()); }>"Discard draft"</button>
                    })}
                    {(!is_draft).then(|| view! {
                        <button type="button" class="button button-secondary" on:click=move |_| on_amend.run(for_amend.clone())>"Amend"</button>
                    })}
                </div>
                {(!is_draft).then(|| view! {
                    <details class="note-add-file">
                        <summary>"Add a file to this note"</summary>
                        <UploadForm
                            target=UploadTarget::SignedNote(id)
                            id="signed-note-file"
                            on_uploaded=Callback::new(move |_| on_changed.run(()))
                        />
                    </details>
                })}
            })}
        </article>
    }
}

/// Asks before a note is signed, saying what signing means.
#[component]
fn SignConfirm(open: RwSignal<bool>, on_confirm: Callback<()>) -> impl IntoView {
    view! {
        <Dialog open title="Sign this note?" id="sign-note">
            <div class="stack">
                <p>
                    "Signing makes this note part of the patient's record under your name, with today's date and time. "
                    "It is then locked: it can no longer be edited or discarded."
                </p>
                <p class="muted">
                    "A later change is an amendment, with your reason; the signed version stays readable beside it. "
                    "The patient sees signed notes in their portal."
                </p>
                <div class="form-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                        "Keep editing"
                    </button>
                    <button
                        type="button"
                        class="button button-primary"
                        on:click=move |_| {
                            open.set(false);
                            on_confirm.run(());
                        }
                    >
                        "Sign and lock"
                    </button>
                </div>
            </div>
        </Dialog>
    }
}

/// Signed notes for the patient, read-only, newest first.
#[component]
pub fn MyNotes(patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let notes = Loader::new(
        || (),
        move |()| async move {
            api::clinical::notes::list(
                &auth.client(),
                patient_id,
                &NoteQuery {
                    note_type: None,
                    limit: Some(100),
                    offset: None,
                },
            )
            .await
        },
    );
    let nothing = Callback::new(|_: Note| {});
    view! {
        <section class="card stack" aria-labelledby="my-notes-heading">
            <h2 class="card-title" id="my-notes-heading">"Notes from your care team"</h2>
            {move || match notes.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => view! { <p class="muted">"No notes yet."</p> }.into_any(),
                Some(Ok(page)) => page.items.into_iter().map(|n| view! {
                    <div class="stack">
                        <h3 class="subheading">{n.title.clone()}</h3>
                        <NoteView note=n on_edit=nothing on_amend=nothing on_changed=Callback::new(|()| {}) read_only=true />
                    </div>
                }).collect_view().into_any(),
            }}
        </section>
    }
}
