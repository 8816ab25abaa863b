//! Documents and imaging: uploading (the server decides the type from the content), listing
//! with preview and download (each audited by the server), and imaging studies with their
//! report and files.

use api_types::documents::{
    Document, DocumentKind, DocumentQuery, DocumentSource, ImagingStudy, ImagingStudyInput,
    Modality, UploadQuery, ACCEPTED_TYPES,
};
use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, Dialog, ProblemAlert, SelectField, SkeletonRows, TextAreaField, TextField,
};
use crate::format;
use crate::forms::{optional, today, FieldErrors};

/// Where an upload goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadTarget {
    /// The patient's documents, or one of their imaging studies.
    Patient {
        patient_id: Uuid,
        study_id: Option<Uuid>,
    },
    /// An attachment on a draft note.
    Note(Uuid),
    /// A file added to a signed note: an amendment, with its reason.
    SignedNote(Uuid),
}

fn kind_options() -> Vec<(String, String)> {
    DocumentKind::ALL
        .into_iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect()
}

/// Choose a file (and, for documents, its kind and a description) and upload it.
#[component]
pub fn UploadForm(
    target: UploadTarget,
    /// An id prefix, unique on the page.
    id: &'static str,
    on_uploaded: Callback<Document>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let file_input = NodeRef::<Input>::new();
    let kind = RwSignal::new(DocumentKind::Other.as_str().to_owned());
    let description = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let chosen = RwSignal::new(false);
    let upload = Action::new_unsync(move |_: &()| {
        let file = file_input
            .get_untracked()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        async move {
            let Some(file) = file else {
                return;
            };
            let query = UploadQuery {
                filename: file.name(),
                kind: DocumentKind::parse(&kind.get_untracked()),
                description: optional(&description.get_untracked()),
                study_id: match target {
                    UploadTarget::Patient { study_id, .. } => study_id,
                    UploadTarget::Note(_) | UploadTarget::SignedNote(_) => None,
                },
                reason: match target {
                    UploadTarget::SignedNote(_) => optional(&reason.get_untracked()),
                    _ => None,
                },
            };
            let blob: &web_sys::Blob = file.unchecked_ref();
            let client = auth.client();
            let result = match target {
                UploadTarget::Patient { patient_id, .. } => {
                    api::clinical::documents::upload(&client, patient_id, &query, blob).await
                }
                UploadTarget::Note(note) | UploadTarget::SignedNote(note) => {
                    api::clinical::documents::attach(&client, note, &query, blob).await
                }
            };
            match result {
                Ok(doc) => {
                    toasts.success(format!("{} added", doc.name));
                    description.set(String::new());
                    reason.set(String::new());
                    chosen.set(false);
                    if let Some(input) = file_input.get_untracked() {
                        input.set_value("");
                    }
                    on_uploaded.run(doc);
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let amending = matches!(target, UploadTarget::SignedNote(_));
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if amending && reason.get_untracked().trim().is_empty() {
            let missing = Err(vec![api_types::FieldError::new(
                "reason",
                "required",
                "Say why the file is added: it becomes an amendment of the signed note.",
            )]);
            errors.check(missing);
            return;
        }
        upload.dispatch(());
    };
    let file_id = format!("{id}-file");
    let file_for = file_id.clone();
    let is_document = matches!(target, UploadTarget::Patient { study_id: None, .. });
    view! {
        <form class="upload-form stack" on:submit=on_submit novalidate=true aria-label="Add a file">
            <div class="field">
                <label class="field-label" for=file_for>"File"</label>
                <input
                    id=file_id
                    type="file"
                    class="input"
                    accept=".pdf,.png,.jpg,.jpeg,.gif,.webp,.dcm,.txt,.doc,.docx,application/pdf,image/*,text/plain"
                    node_ref=file_input
                    on:change=move |_| chosen.set(true)
                />
                <p class="field-hint">{format!("{ACCEPTED_TYPES}. Files are stored encrypted.")}</p>
            </div>
            {amending.then(|| view! {
                <TextField id=format!("{id}-reason") label="Reason for adding it" hint="Kept with the note as an amendment" value=reason error=errors.of("reason") />
            })}
            {is_document.then(|| view! {
                <SelectField id=format!("{id}-kind") label="Kind" value=kind options=kind_options() />
                <TextField id=format!("{id}-description") label="Description (optional)" value=description error=errors.of("description") />
            })}
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-secondary" disabled=move || !chosen.get() || upload.pending().get()>
                    {move || if upload.pending().get() { "Uploading…" } else { "Upload" }}
                </button>
            </div>
        </form>
    }
}

/// Files with their details, preview (PDF, images, text) and download; removal where allowed.
#[component]
pub fn FileList(
    files: Vec<Document>,
    /// Whether the caller may remove this file.
    can_remove: Callback<Document, bool>,
    on_removed: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let preview = RwSignal::new(None::<Document>);
    let previewing = RwSignal::new(false);
    let download = Action::new_unsync(move |doc: &Document| {
        let doc = doc.clone();
        async move {
            match api::clinical::documents::content(&auth.client(), doc.id, false).await {
                Ok(bytes) => format::download_bytes(&doc.name, &doc.media_type, &bytes),
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let remove = Action::new_unsync(move |doc: &Document| {
        let doc = doc.clone();
        async move {
            match api::clinical::documents::remove(&auth.client(), doc.id).await {
                Ok(()) => {
                    toasts.success(format!("{} removed", doc.name));
                    on_removed.run(());
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    view! {
        <ul class="plain-list file-list">
            {files.into_iter().map(|d| {
                let removable = can_remove.run(d.clone());
                let (for_preview, for_download, for_remove) = (d.clone(), d.clone(), d.clone());
                let by = match (d.source, d.uploaded_by_name.clone()) {
                    (DocumentSource::Patient, _) => "the patient".to_owned(),
                    (_, Some(n)) => n,
                    _ => "staff".to_owned(),
                };
                view! {
                    <li class="list-row file-row">
                        <div>
                            <span class="list-primary">{d.name.clone()}</span>
                            <br />
                            <span class="muted list-secondary">
                                {format!("{} · {} · added by {by}, {}", d.kind.label(), format::file_size(d.size_bytes), format::date_time(d.created_at))}
                            </span>
                            {d.description.clone().map(|t| view! { <><br /><span class="list-secondary">{t}</span></> })}
                        </div>
                        <div class="row-actions">
                            {d.previewable.then(|| view! {
                                <button type="button" class="button button-ghost" on:click=move |_| { preview.set(Some(for_preview.clone())); previewing.set(true); }>"Preview"</button>
                            })}
                            <button type="button" class="button button-ghost" on:click=move |_| { download.dispatch(for_download.clone()); }>"Download"</button>
                            {removable.then(|| view! {
                                <button type="button" class="button button-ghost button-danger-text" on:click=move |_| { remove.dispatch(for_remove.clone()); }>"Remove"</button>
                            })}
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
        <PreviewDialog doc=preview open=previewing />
    }
}

/// Shows a file in place, from a `blob:` address that is revoked when the dialog closes.
#[component]
fn PreviewDialog(doc: RwSignal<Option<Document>>, open: RwSignal<bool>) -> impl IntoView {
    let auth = use_auth();
    let title = Signal::derive(move || {
        doc.with(|d| d.as_ref().map(|d| d.name.clone()).unwrap_or_default())
    });
    let content = Loader::new(
        move || if open.get() { doc.get() } else { None },
        move |d| async move {
            match d {
                Some(d) => api::clinical::documents::content(&auth.client(), d.id, true)
                    .await
                    .map(|bytes| Some((d, bytes))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Dialog open title id="document-preview">
            {move || match content.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(None)) => ().into_any(),
                Some(Ok(Some((d, bytes)))) if d.media_type == "text/plain" => view! {
                    <pre class="document-text" tabindex="0" role="region" aria-label="Document text">{String::from_utf8_lossy(&bytes).into_owned()}</pre>
                }
                    .into_any(),
                Some(Ok(Some((d, bytes)))) => {
                    let url = format::object_url(&d.media_type, &bytes).unwrap_or_default();
                    let revoke = url.clone();
                    on_cleanup(move || {
                        let _ = web_sys::Url::revoke_object_url(&revoke);
                    });
                    if d.media_type == "application/pdf" {
                        view! { <iframe class="document-frame" src=url title=d.name.clone()></iframe> }.into_any()
                    } else if d.media_type.starts_with("audio/") {
                        view! { <audio class="document-audio" controls=true src=url aria-label=d.name.clone()></audio> }.into_any()
                    } else {
                        view! { <img class="document-image" src=url alt=d.description.clone().unwrap_or(d.name.clone()) /> }.into_any()
                    }
                }
            }}
        </Dialog>
    }
}

/// The patient's documents and imaging studies.
#[component]
pub fn DocumentsPanel(patient_id: Uuid, staff: bool) -> impl IntoView {
    let auth = use_auth();
    let refresh = RwSignal::new(0u32);
    let docs = Loader::new(
        move || refresh.get(),
        move |_| async move {
            api::clinical::documents::list(
                &auth.client(),
                patient_id,
                &DocumentQuery {
                    kind: None,
                    limit: Some(100),
                    offset: None,
                },
            )
            .await
        },
    );
    let me = move || auth.me();
    let can_remove = Callback::new(move |d: Document| {
        me().is_some_and(|m| m.role == api_types::Role::Admin || Some(m.id) == d.uploaded_by)
    });
    let bump = move || refresh.update(|n| *n += 1);
    view! {
        <div class="stack">
            <section class="card stack" aria-labelledby="documents-heading">
                <h2 class="card-title" id="documents-heading">"Documents"</h2>
                <UploadForm
                    target=UploadTarget::Patient { patient_id, study_id: None }
                    id="document-upload"
                    on_uploaded=Callback::new(move |_| bump())
                />
                {move || match docs.get() {
                    None => view! { <SkeletonRows rows=3 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => view! {
                        <p class="muted">{if staff { "No documents yet." } else { "You have not added any documents, and none have been added for you." }}</p>
                    }
                        .into_any(),
                    Some(Ok(page)) => view! {
                        <FileList files=page.items can_remove on_removed=Callback::new(move |()| bump()) />
                    }
                        .into_any(),
                }}
            </section>
            <ImagingSection patient_id staff />
        </div>
    }
}

/// Imaging studies, newest first, each with its report and files; staff add and update them.
#[component]
fn ImagingSection(patient_id: Uuid, staff: bool) -> impl IntoView {
    let auth = use_auth();
    let refresh = RwSignal::new(0u32);
    let studies = Loader::new(
        move || refresh.get(),
        move |_| async move { api::clinical::documents::studies(&auth.client(), patient_id).await },
    );
    let adding = RwSignal::new(false);
    let bump = Callback::new(move |()| refresh.update(|n| *n += 1));
    view! {
        <section class="card stack" aria-labelledby="imaging-heading">
            <div class="card-header">
                <h2 class="card-title" id="imaging-heading">"Imaging"</h2>
                {staff.then(|| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| adding.update(|a| *a = !*a)>
                        {move || if adding.get() { "Close" } else { "Add imaging study" }}
                    </button>
                })}
            </div>
            {move || adding.get().then(|| view! {
                <StudyForm patient_id existing=None on_saved=Callback::new(move |_| { adding.set(false); bump.run(()); }) />
            })}
            {move || match studies.get() {
                None => view! { <SkeletonRows rows=2 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No imaging studies."</p> }.into_any(),
                Some(Ok(list)) => list
                    .into_iter()
                    .map(|s| view! { <StudyCard study=s staff on_changed=bump /> })
                    .collect_view()
                    .into_any(),
            }}
        </section>
    }
}

#[component]
fn StudyCard(study: ImagingStudy, staff: bool, on_changed: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let editing = RwSignal::new(false);
    let patient_id = study.patient_id;
    let study_id = study.id;
    let heading = format!("{}, {}", study.modality.label(), study.body_part);
    let facts = [
        Some(format::date(study.study_date)),
        study.facility.clone(),
        study
            .created_by_name
            .clone()
            .map(|n| format!("recorded by {n}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let existing = study.clone();
    let can_remove = Callback::new(move |d: Document| {
        auth.me()
            .is_some_and(|m| m.role == api_types::Role::Admin || Some(m.id) == d.uploaded_by)
    });
    view! {
        <article class="study">
            <h3 class="study-title">{heading}</h3>
            <p class="muted">{facts}</p>
            {study.description.clone().map(|d| view! { <p>{d}</p> })}
            {match study.report.clone() {
                Some(r) => view! { <div class="study-report"><h4>"Report"</h4><p class="preserve-lines">{r}</p></div> }.into_any(),
                None => view! { <p class="muted">"No report yet."</p> }.into_any(),
            }}
            {(!study.files.is_empty()).then(|| view! {
                <FileList files=study.files.clone() can_remove on_removed=on_changed />
            })}
            {staff.then(|| view! {
                <details class="study-actions">
                    <summary>"Add files or edit"</summary>
                    <UploadForm
                        target=UploadTarget::Patient { patient_id, study_id: Some(study_id) }
                        id="study-upload"
                        on_uploaded=Callback::new(move |_| on_changed.run(()))
                    />
                    <button type="button" class="button button-ghost" on:click=move |_| editing.update(|e| *e = !*e)>
                        "Edit details or report"
                    </button>
                    {move || editing.get().then(|| view! {
                        <StudyForm patient_id existing=Some(existing.clone()) on_saved=Callback::new(move |_| { editing.set(false); on_changed.run(()); }) />
                    })}
                </details>
            })}
        </article>
    }
}

#[component]
fn StudyForm(
    patient_id: Uuid,
    existing: Option<ImagingStudy>,
    on_saved: Callback<ImagingStudy>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let e = existing.clone();
    let modality = RwSignal::new(e.as_ref().map_or("MRI", |s| s.modality.as_str()).to_owned());
    let body_part = RwSignal::new(e.as_ref().map(|s| s.body_part.clone()).unwrap_or_default());
    let study_date = RwSignal::new(
        e.as_ref()
            .map_or_else(today, |s| s.study_date)
            .format("%Y-%m-%d")
            .to_string(),
    );
    let facility = RwSignal::new(
        e.as_ref()
            .and_then(|s| s.facility.clone())
            .unwrap_or_default(),
    );
    let report = RwSignal::new(
        e.as_ref()
            .and_then(|s| s.report.clone())
            .unwrap_or_default(),
    );
    let errors = FieldErrors::new();
    let existing_id = existing.as_ref().map(|s| s.id);
    let save = Action::new_unsync(move |input: &ImagingStudyInput| {
        let input = input.clone();
        async move {
            let client = auth.client();
            let result = match existing_id {
                Some(id) => api::clinical::documents::update_study(&client, id, &input).await,
                None => api::clinical::documents::create_study(&client, patient_id, &input).await,
            };
            match result {
                Ok(s) => {
                    toasts.success("Imaging study saved");
                    on_saved.run(s);
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(date) = chrono::NaiveDate::parse_from_str(&study_date.get_untracked(), "%Y-%m-%d")
        else {
            errors.show(vec![api_types::FieldError::new(
                "study_date",
                "invalid",
                "Enter the date of the study.",
            )]);
            return;
        };
        let input = ImagingStudyInput {
            modality: Modality::parse(&modality.get_untracked()).unwrap_or(Modality::Other),
            body_part: body_part.get_untracked(),
            study_date: date,
            facility: optional(&facility.get_untracked()),
            description: existing.as_ref().and_then(|s| s.description.clone()),
            report: optional(&report.get_untracked()),
        };
        if errors.check(input.validate(today())) {
            save.dispatch(input);
        }
    };
    let modalities = Modality::ALL
        .into_iter()
        .map(|m| (m.as_str().to_owned(), m.label().to_owned()))
        .collect::<Vec<_>>();
    let prefix = if existing_id.is_some() {
        "study-edit"
    } else {
        "study-new"
    };
    view! {
        <form class="stack study-form" on:submit=on_submit novalidate=true aria-label="Imaging study">
            <div class="form-grid">
                <SelectField id=format!("{prefix}-modality") label="Modality" value=modality options=modalities />
                <TextField id=format!("{prefix}-body-part") label="Body part" value=body_part error=errors.of("body_part") required=true />
                <TextField id=format!("{prefix}-date") label="Study date" value=study_date input_type="date" error=errors.of("study_date") required=true />
                <TextField id=format!("{prefix}-facility") label="Facility (optional)" value=facility error=errors.of("facility") />
            </div>
            <TextAreaField id=format!("{prefix}-report") label="Report (optional)" value=report error=errors.of("report") rows=5 />
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>"Save study"</button>
            </div>
        </form>
    }
}
