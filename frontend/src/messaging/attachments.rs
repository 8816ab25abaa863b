//! Files sent with a message: chosen in the browser, added to the patient's documents when the
//! message is sent (a file already added is not added again if sending is tried again), and
//! downloaded from a message.

use api_types::documents::{UploadQuery, ACCEPTED_TYPES};
use api_types::messaging::{MessageAttachment, MAX_ATTACHMENTS};
use api_types::ErrorCode;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiResult, Client};
use crate::auth::use_auth;
use crate::components::common::use_toasts;
use crate::format;

/// A chosen file, and its document once it has been added to the record.
#[derive(Clone)]
struct Chosen {
    key: u64,
    file: SendWrapper<web_sys::File>,
    document: Option<Uuid>,
}

/// The files chosen for one message. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Attachments {
    files: RwSignal<Vec<Chosen>>,
    next_key: StoredValue<u64>,
}

impl Default for Attachments {
    fn default() -> Self {
        Attachments {
            files: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
        }
    }
}

impl Attachments {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many files are chosen (tracked).
    pub fn count(&self) -> usize {
        self.files.with(Vec::len)
    }

    pub fn clear(&self) {
        self.files.set(Vec::new());
    }

    fn add(&self, file: web_sys::File) {
        let key = self.next_key.get_value() + 1;
        self.next_key.set_value(key);
        self.files.update(|f| {
            f.push(Chosen {
                key,
                file: SendWrapper::new(file),
                document: None,
            })
        });
    }

    fn remove(&self, key: u64) {
        self.files.update(|f| f.retain(|c| c.key != key));
    }

    /// Adds each chosen file not yet added to the patient's documents, in order, and returns
    /// the documents of all of them. The first that is refused stops it, naming the file.
    pub async fn upload(&self, client: &Client, patient_id: Uuid) -> ApiResult<Vec<Uuid>> {
        let chosen = self.files.get_untracked();
        let mut ids = Vec::with_capacity(chosen.len());
        for c in chosen {
            if let Some(id) = c.document {
                ids.push(id);
                continue;
            }
            let name = c.file.name();
            let query = UploadQuery {
                filename: name.clone(),
                kind: None,
                description: None,
                study_id: None,
                reason: None,
            };
            let blob: &web_sys::Blob = c.file.unchecked_ref();
            match api::clinical::documents::upload(client, patient_id, &query, blob).await {
                Ok(doc) => {
                    ids.push(doc.id);
                    self.files.try_update(|f| {
                        if let Some(f) = f.iter_mut().find(|f| f.key == c.key) {
                            f.document = Some(doc.id);
                        }
                    });
                }
                Err(mut p) => {
                    let why = p
                        .errors
                        .first()
                        .map(|e| e.message.clone())
                        .or_else(|| p.detail.clone())
                        .unwrap_or_else(|| p.title.clone());
                    p.detail = Some(format!("{name} could not be attached: {why}"));
                    // Shown above the form, not at fields the form does not have.
                    p.errors.clear();
                    return Err(p);
                }
            }
        }
        Ok(ids)
    }
}

/// Choosing files for a message: up to `MAX_ATTACHMENTS`, each removable before sending.
#[component]
pub fn AttachmentPicker(
    /// The input's id, unique on the page.
    #[prop(into)]
    id: String,
    attachments: Attachments,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let on_change = move |_| {
        let Some(input) = input_ref.get_untracked() else {
            return;
        };
        if let Some(list) = input.files() {
            for i in 0..list.length() {
                if attachments.count() >= MAX_ATTACHMENTS {
                    break;
                }
                if let Some(file) = list.get(i) {
                    attachments.add(file);
                }
            }
        }
        // The same file may be chosen again after it is removed.
        input.set_value("");
    };
    let full = move || attachments.count() >= MAX_ATTACHMENTS;
    let auth = use_auth();
    let whose = if untrack(|| auth.me()).is_some_and(|me| me.role == api_types::Role::Patient) {
        "your documents"
    } else {
        "the patient's documents"
    };
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if error.with(Option::is_some) {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field attachment-picker">
            <label class="field-label" for=id.clone()>
                "Attach files"
            </label>
            <p class="field-hint" id=hint_id>
                {format!(
                    "Up to {MAX_ATTACHMENTS} files. {ACCEPTED_TYPES}. They are added to {whose}, stored encrypted.",
                )}
            </p>
            <input
                id=id
                type="file"
                class="input"
                multiple=true
                accept=".pdf,.png,.jpg,.jpeg,.gif,.webp,.dcm,.txt,.doc,.docx,application/pdf,image/*,text/plain"
                disabled=full
                aria-describedby=described
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                node_ref=input_ref
                on:change=on_change
            />
            {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
            <ul class="plain-list attachment-list" aria-label="Files to send">
                <For
                    each=move || attachments.files.get()
                    key=|c| c.key
                    children=move |c| {
                        let name = c.file.name();
                        let size = format::file_size(c.file.size() as i64);
                        let label = format!("Remove {name}");
                        view! {
                            <li class="attachment-chip">
                                <span class="attachment-name">{name}</span>
                                <span class="muted">{size}</span>
                                <button
                                    type="button"
                                    class="button button-ghost button-small"
                                    aria-label=label
                                    on:click=move |_| attachments.remove(c.key)
                                >
                                    "Remove"
                                </button>
                            </li>
                        }
                    }
                />
            </ul>
        </div>
    }
}

/// A message's files, each with its size (when known), downloaded from the patient's documents
/// when chosen.
#[component]
pub fn AttachmentLinks(files: Vec<MessageAttachment>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let download = Action::new_unsync(move |file: &MessageAttachment| {
        let file = file.clone();
        async move {
            match api::clinical::documents::content(&auth.client(), file.document_id, false).await {
                Ok(bytes) => {
                    let mime = if file.media_type.is_empty() {
                        "application/octet-stream"
                    } else {
                        file.media_type.as_str()
                    };
                    format::download_bytes(&file.name, mime, &bytes)
                }
                Err(p) if p.code == ErrorCode::NotFound => {
                    toasts.error(format!("{} is no longer in the record.", file.name))
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    (!files.is_empty()).then(|| {
        let items = files
            .into_iter()
            .map(|f| {
                let label = format!("Download {}", f.name);
                let name = f.name.clone();
                // Files sent before sizes were kept with messages have none to show.
                let size = (f.size_bytes > 0).then(|| format::file_size(f.size_bytes));
                view! {
                    <li class="attachment-link-row">
                        <button
                            type="button"
                            class="link-button attachment-link"
                            aria-label=label
                            on:click=move |_| {
                                download.dispatch(f.clone());
                            }
                        >
                            {name}
                        </button>
                        {size.map(|size| view! { <span class="muted attachment-size">{size}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="plain-list attachment-links" aria-label="Attached files">{items}</ul> }
    })
}
