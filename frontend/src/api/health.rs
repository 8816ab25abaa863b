//! Health data: observations, chart series, latest values, trends, target ranges and alerts.

use api_types::health::{
    AcknowledgeAlert, Alert, AlertQuery, ConnectLink, Devices, ExportQuery, IngestResponse,
    LatestObservation, ObservationInput, ObservationQuery, PatientTargets, PutTargets, Series,
    SyncSummary, Trend, TrendQuery,
};
use api_types::Page;
use uuid::Uuid;

use super::{ApiResult, Client};

/// Records one reading; the answer is the reading as stored and judged.
pub async fn record(
    client: &Client,
    patient: Uuid,
    input: &ObservationInput,
) -> ApiResult<IngestResponse> {
    client
        .post(&format!("/patients/{patient}/observations"), input)
        .await
}

pub async fn series(client: &Client, patient: Uuid, query: &ObservationQuery) -> ApiResult<Series> {
    client
        .get_query(&format!("/patients/{patient}/observations"), query)
        .await
}

pub async fn latest(client: &Client, patient: Uuid) -> ApiResult<Vec<LatestObservation>> {
    client
        .get(&format!("/patients/{patient}/observations/latest"))
        .await
}

pub async fn trend(client: &Client, patient: Uuid, metric: &str) -> ApiResult<Trend> {
    client
        .get_query(
            &format!("/patients/{patient}/observations/trends"),
            &TrendQuery {
                metric: metric.to_owned(),
            },
        )
        .await
}

/// Every reading of a metric (or all metrics) as CSV.
pub async fn export(client: &Client, patient: Uuid, query: &ExportQuery) -> ApiResult<String> {
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    client
        .get_text(&format!("/patients/{patient}/observations/export?{query}"))
        .await
}

pub async fn targets(client: &Client, patient: Uuid) -> ApiResult<PatientTargets> {
    client
        .get(&format!("/patients/{patient}/target-ranges"))
        .await
}

pub async fn save_targets(
    client: &Client,
    patient: Uuid,
    put: &PutTargets,
) -> ApiResult<PatientTargets> {
    client
        .put(&format!("/patients/{patient}/target-ranges"), put)
        .await
}

pub async fn alerts(client: &Client, query: &AlertQuery) -> ApiResult<Page<Alert>> {
    client.get_query("/alerts", query).await
}

pub async fn acknowledge(client: &Client, id: Uuid, note: String) -> ApiResult<Alert> {
    client
        .post(
            &format!("/alerts/{id}/acknowledge"),
            &AcknowledgeAlert { note },
        )
        .await
}

pub async fn devices(client: &Client, patient: Uuid) -> ApiResult<Devices> {
    client.get(&format!("/patients/{patient}/devices")).await
}

/// The Withings consent page to send the person to.
pub async fn connect_withings(client: &Client, patient: Uuid) -> ApiResult<ConnectLink> {
    client
        .post(
            &format!("/patients/{patient}/devices/withings/connect"),
            &super::EmptyBody {},
        )
        .await
}

pub async fn sync_withings(client: &Client, patient: Uuid) -> ApiResult<SyncSummary> {
    client
        .post(
            &format!("/patients/{patient}/devices/withings/sync"),
            &super::EmptyBody {},
        )
        .await
}

pub async fn disconnect_withings(client: &Client, patient: Uuid) -> ApiResult<()> {
    client
        .delete(&format!("/patients/{patient}/devices/withings"), None)
        .await
}
