//! The clinical record: questionnaires.

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
