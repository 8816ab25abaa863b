//! The clinical record's part of retention: at the end of an erased patient's retention, every
//! note (with its versions), questionnaire, medication (with its prescriptions and doses),
//! therapy session, homework task, imaging study and document goes, files and all.

use entity::clinical::{
    assessment, clinical_note, clinical_note_version, document, document_blob, document_chunk,
    homework_task, imaging_study, medication, medication_dose, prescription, therapy_session,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::platform::db::Destroyed;
use crate::platform::{ApiResult, PatientId};

pub async fn destroy_patient(db: &impl ConnectionTrait, id: PatientId) -> ApiResult<Destroyed> {
    // A document's pieces, then the documents: a note, a study or a call may be what they are
    // filed under.
    let documents = Query::select()
        .column(document::Column::Id)
        .from(document::Entity)
        .and_where(document::Column::PatientId.eq(id))
        .to_owned();
    let mut rows = document_chunk::Entity::delete_many()
        .filter(document_chunk::Column::DocumentId.in_subquery(documents.clone()))
        .exec(db)
        .await?
        .rows_affected;
    rows += document_blob::Entity::delete_many()
        .filter(document_blob::Column::DocumentId.in_subquery(documents))
        .exec(db)
        .await?
        .rows_affected;
    let files = crate::delete_patient_rows!(db, id, [document]);
    let notes = Query::select()
        .column(clinical_note::Column::Id)
        .from(clinical_note::Entity)
        .and_where(clinical_note::Column::PatientId.eq(id))
        .to_owned();
    rows += clinical_note_version::Entity::delete_many()
        .filter(clinical_note_version::Column::NoteId.in_subquery(notes))
        .exec(db)
        .await?
        .rows_affected;
    rows += crate::delete_patient_rows!(
        db,
        id,
        [
            homework_task,
            therapy_session,
            assessment,
            clinical_note,
            imaging_study,
            prescription,
            medication_dose,
            medication,
        ]
    );
    Ok(Destroyed {
        rows: rows + files,
        files,
    })
}
