//! The clinical record: questionnaires, notes, documents and imaging.

use api_types::assessments::{Assessment, AssessmentQuery, NewAssessment, ReviewAssessment};
use api_types::{Page, PageQuery};
use uuid::Uuid;

use super::{ApiResult, Client};

pub async fn assessments(
    client: &Client,
    patient: Uuid,
    query: &AssessmentQuery,
) -> ApiResult<Page<Assessment>> {
    client
        .get_query(&format!("/patients/{patient}/assessments"), query)
        .await
}

pub async fn record_assessment(
    client: &Client,
    patient: Uuid,
    input: &NewAssessment,
) -> ApiResult<Assessment> {
    client
        .post(&format!("/patients/{patient}/assessments"), input)
        .await
}

pub async fn urgent_assessments(client: &Client) -> ApiResult<Page<Assessment>> {
    client
        .get_query(
            "/assessments/urgent",
            &PageQuery {
                limit: Some(50),
                offset: None,
            },
        )
        .await
}

pub async fn review_assessment(client: &Client, id: Uuid, note: String) -> ApiResult<Assessment> {
    client
        .post(
            &format!("/assessments/{id}/review"),
            &ReviewAssessment { note },
        )
        .await
}

pub mod notes {
    //! Clinical notes, their templates, and the timeline.
    use api_types::notes::{
        NewAmendment, NewNote, Note, NoteQuery, NoteTemplate, NoteTemplateInput, TimelineEntry,
        TimelineQuery,
    };
    use api_types::Page;
    use uuid::Uuid;

    use crate::api::{ApiResult, Client, EmptyBody};

    pub async fn templates(client: &Client) -> ApiResult<Vec<NoteTemplate>> {
        client.get("/note-templates").await
    }

    pub async fn create_template(
        client: &Client,
        input: &NoteTemplateInput,
    ) -> ApiResult<NoteTemplate> {
        client.post("/note-templates", input).await
    }

    pub async fn update_template(
        client: &Client,
        id: Uuid,
        input: &NoteTemplateInput,
    ) -> ApiResult<NoteTemplate> {
        client.put(&format!("/note-templates/{id}"), input).await
    }

    pub async fn list(client: &Client, patient: Uuid, query: &NoteQuery) -> ApiResult<Page<Note>> {
        client
            .get_query(&format!("/patients/{patient}/notes"), query)
            .await
    }

    pub async fn get(client: &Client, id: Uuid) -> ApiResult<Note> {
        client.get(&format!("/notes/{id}")).await
    }

    pub async fn create(client: &Client, patient: Uuid, input: &NewNote) -> ApiResult<Note> {
        client
            .post(&format!("/patients/{patient}/notes"), input)
            .await
    }

    pub async fn update(client: &Client, id: Uuid, input: &NewNote) -> ApiResult<Note> {
        client.put(&format!("/notes/{id}"), input).await
    }

    pub async fn discard(client: &Client, id: Uuid) -> ApiResult<()> {
        client.delete(&format!("/notes/{id}"), None).await
    }

    pub async fn sign(client: &Client, id: Uuid) -> ApiResult<Note> {
        client
            .post(&format!("/notes/{id}/sign"), &EmptyBody {})
            .await
    }

    pub async fn amend(client: &Client, id: Uuid, input: &NewAmendment) -> ApiResult<Note> {
        client.post(&format!("/notes/{id}/amendments"), input).await
    }

    pub async fn timeline(
        client: &Client,
        patient: Uuid,
        query: &TimelineQuery,
    ) -> ApiResult<Vec<TimelineEntry>> {
        client
            .get_query(&format!("/patients/{patient}/timeline"), query)
            .await
    }
}

pub mod documents {
    //! Documents, note attachments and imaging studies.
    use api_types::documents::{
        Document, DocumentQuery, ImagingStudy, ImagingStudyInput, UploadQuery,
    };
    use api_types::Page;
    use uuid::Uuid;

    use crate::api::{with_query, ApiResult, Client};

    pub async fn list(
        client: &Client,
        patient: Uuid,
        query: &DocumentQuery,
    ) -> ApiResult<Page<Document>> {
        client
            .get_query(&format!("/patients/{patient}/documents"), query)
            .await
    }

    pub async fn upload(
        client: &Client,
        patient: Uuid,
        query: &UploadQuery,
        file: &web_sys::Blob,
    ) -> ApiResult<Document> {
        client
            .upload(
                &with_query(&format!("/patients/{patient}/documents"), query)?,
                file,
            )
            .await
    }

    pub async fn attach(
        client: &Client,
        note: Uuid,
        query: &UploadQuery,
        file: &web_sys::Blob,
    ) -> ApiResult<Document> {
        client
            .upload(
                &with_query(&format!("/notes/{note}/attachments"), query)?,
                file,
            )
            .await
    }

    /// The file's bytes; `inline` for a preview, else a download (each audited as such).
    pub async fn content(client: &Client, id: Uuid, inline: bool) -> ApiResult<Vec<u8>> {
        let disposition = if inline { "inline" } else { "attachment" };
        client
            .get_bytes(&format!(
                "/documents/{id}/content?disposition={disposition}"
            ))
            .await
    }

    pub async fn remove(client: &Client, id: Uuid) -> ApiResult<()> {
        client.delete(&format!("/documents/{id}"), None).await
    }

    pub async fn studies(client: &Client, patient: Uuid) -> ApiResult<Vec<ImagingStudy>> {
        client
            .get(&format!("/patients/{patient}/imaging-studies"))
            .await
    }

    pub async fn create_study(
        client: &Client,
        patient: Uuid,
        input: &ImagingStudyInput,
    ) -> ApiResult<ImagingStudy> {
        client
            .post(&format!("/patients/{patient}/imaging-studies"), input)
            .await
    }

    pub async fn update_study(
        client: &Client,
        id: Uuid,
        input: &ImagingStudyInput,
    ) -> ApiResult<ImagingStudy> {
        client.put(&format!("/imaging-studies/{id}"), input).await
    }
}

pub mod medications {
    //! Medications, prescriptions and adherence.
    use api_types::medications::{
        Adherence, Dose, Medication, MedicationInput, MedicationQuery, NewDose, NewPrescription,
    };
    use uuid::Uuid;

    use crate::api::{ApiResult, Client, EmptyBody};

    pub async fn list(
        client: &Client,
        patient: Uuid,
        include_past: bool,
    ) -> ApiResult<Vec<Medication>> {
        client
            .get_query(
                &format!("/patients/{patient}/medications"),
                &MedicationQuery {
                    include_past: Some(include_past),
                },
            )
            .await
    }

    pub async fn create(
        client: &Client,
        patient: Uuid,
        input: &MedicationInput,
    ) -> ApiResult<Medication> {
        client
            .post(&format!("/patients/{patient}/medications"), input)
            .await
    }

    pub async fn update(
        client: &Client,
        id: Uuid,
        input: &MedicationInput,
    ) -> ApiResult<Medication> {
        client.put(&format!("/medications/{id}"), input).await
    }

    pub async fn prescribe(
        client: &Client,
        id: Uuid,
        input: &NewPrescription,
    ) -> ApiResult<Medication> {
        client
            .post(&format!("/medications/{id}/prescriptions"), input)
            .await
    }

    pub async fn cancel_prescription(client: &Client, id: Uuid) -> ApiResult<Medication> {
        client
            .post(&format!("/prescriptions/{id}/cancel"), &EmptyBody {})
            .await
    }

    pub async fn record_dose(client: &Client, id: Uuid, input: &NewDose) -> ApiResult<Dose> {
        client
            .post(&format!("/medications/{id}/doses"), input)
            .await
    }

    pub async fn adherence(client: &Client, id: Uuid, days: u32) -> ApiResult<Adherence> {
        client
            .get(&format!("/medications/{id}/adherence?days={days}"))
            .await
    }
}

pub mod therapy {
    //! Therapy sessions and homework.
    use api_types::therapy::{
        CompleteHomework, Homework, NewHomework, TherapySession, TherapySessionInput,
    };
    use api_types::{Page, PageQuery};
    use uuid::Uuid;

    use crate::api::{ApiResult, Client};

    pub async fn sessions(client: &Client, patient: Uuid) -> ApiResult<Vec<TherapySession>> {
        client
            .get(&format!("/patients/{patient}/therapy-sessions"))
            .await
    }

    pub async fn record_session(
        client: &Client,
        patient: Uuid,
        input: &TherapySessionInput,
    ) -> ApiResult<TherapySession> {
        client
            .post(&format!("/patients/{patient}/therapy-sessions"), input)
            .await
    }

    pub async fn homework(client: &Client, patient: Uuid) -> ApiResult<Vec<Homework>> {
        client.get(&format!("/patients/{patient}/homework")).await
    }

    pub async fn assign(
        client: &Client,
        patient: Uuid,
        input: &NewHomework,
    ) -> ApiResult<Homework> {
        client
            .post(&format!("/patients/{patient}/homework"), input)
            .await
    }

    pub async fn complete(
        client: &Client,
        id: Uuid,
        reflection: Option<String>,
    ) -> ApiResult<Homework> {
        client
            .post(
                &format!("/homework/{id}/complete"),
                &CompleteHomework { reflection },
            )
            .await
    }

    pub async fn overdue(client: &Client) -> ApiResult<Page<Homework>> {
        client
            .get_query(
                "/homework/overdue",
                &PageQuery {
                    limit: Some(50),
                    offset: None,
                },
            )
            .await
    }
}
