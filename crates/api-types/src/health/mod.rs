//! Health data: the metric catalogue, observations, series for charts, target ranges, alerts and
//! trends.

mod alerts;
mod catalogue;
mod devices;
mod metrics;
mod observations;
mod series;
mod targets;

pub use alerts::{AcknowledgeAlert, Alert, AlertQuery, AlertStatus};
pub use catalogue::METRICS;
pub use devices::{
    ConnectLink, ConnectionStatus, DeviceConnection, Devices, OAuthCallback, SyncSummary,
};
pub use metrics::{Metric, MetricCategory, MetricDefinition, Sampling};
pub use observations::{
    DeviceInfo, IngestResponse, IngestSummary, Observation, ObservationBatch, ObservationInput,
    ObservationSource, RejectedObservation, SourceKind, MAX_BATCH,
};
pub use series::{
    ExportQuery, LatestObservation, ObservationQuery, Series, SeriesPoint, Trend, TrendQuery,
    DEFAULT_MAX_POINTS, MAX_MAX_POINTS,
};
pub use targets::{
    Judgement, PatientTargets, PutTargets, TargetCondition, TargetOverride, TargetRange,
    TargetSource,
};
