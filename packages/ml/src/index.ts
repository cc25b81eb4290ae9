/**
 * @heatpool/ml — streaming anomaly detection, pure TypeScript.
 *
 * Detectors (`HalfSpaceTrees`, `Pipeline`) follow one contract (`detector.ts`): `learnOne`,
 * `scoreOne` (higher = more anomalous, in [0, 1]), frozen `options`, seeded randomness, and exact
 * JSON round-trips through `toJSON()` / `fromJSON()` / `loadDetector()`. Scalers (`MinMaxScaler`,
 * `StandardScaler`) have the same shape with `transformOne`. Thresholds (`threshold.ts`) turn
 * scores into alarms, and `rocAuc` measures a ranking.
 */
export type { Detector, Scaler } from './detector.js'
export type { Features } from './features.js'
export { HalfSpaceTrees, HALF_SPACE_TREES_KIND, HALF_SPACE_TREES_VERSION } from './half-space-trees.js'
export type { HalfSpaceTreesOptions, HalfSpaceTreesSettings, HalfSpaceTreesState, SerialisedHalfSpaceTrees } from './half-space-trees.js'
export { MinMaxScaler, MIN_MAX_SCALER_KIND } from './min-max-scaler.js'
export type { MinMaxScalerOptions, MinMaxScalerSettings, SerialisedMinMaxScaler } from './min-max-scaler.js'
export { StandardScaler, STANDARD_SCALER_KIND } from './standard-scaler.js'
export type { SerialisedStandardScaler } from './standard-scaler.js'
export { Pipeline, PIPELINE_KIND, pipeline } from './pipeline.js'
export type { PipelineSettings, SerialisedPipeline } from './pipeline.js'
export { DETECTOR_KINDS, SCALER_KINDS, loadDetector, loadScaler } from './load.js'
export { ModelFormatError } from './serialisation.js'
export type { Serialised } from './serialisation.js'
export {
  ADAPTIVE_THRESHOLD_START, adaptiveThreshold, isAlarm, quantile, thresholdForFalseAlarmRate, updateAdaptiveThreshold,
} from './threshold.js'
export type { AdaptiveThresholdOptions, AdaptiveThresholdState } from './threshold.js'
export { rocAuc } from './roc-auc.js'
export { WindowBuilder, windowsOf, carnotCop, WINDOW_FEATURES, WINDOW_MODES, DEFAULT_WINDOW_MS, DEFAULT_MIN_SAMPLES } from './heat-pump-windows.js'
export type { FeatureWindow, Sample, WindowFeature, WindowMode, WindowOptions } from './heat-pump-windows.js'
export { CommunityModel, COMMUNITY_MODEL_FORMAT, DEFAULT_ALERT_RULE } from './community-model.js'
export type { AlertRule, CommunityTrainingOptions, Contribution, ModeSummary, ScoreSummary, SerialisedCommunityModel, WindowVerdict } from './community-model.js'
export { ALERT_START, stepAlert } from './alert-rule.js'
export type { AlertState, AlertStep } from './alert-rule.js'
export { Scorer } from './scorer.js'
export type { AnomalyAlert, HeatPumpScoreState, ScoredWindow } from './scorer.js'
