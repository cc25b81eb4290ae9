import { useI18n } from 'vue-i18n'

/**
 * Readable names of the ingest rejection reasons (protocol `reasons.ts`). The keys are spelled
 * out so the translation test can check them; a reason this UI does not know yet shows its code.
 */
export function useReasonLabel () {
  const { t } = useI18n()
  return (reason: string): string => {
    switch (reason) {
      case 'not_a_number': return t('admin.reasons.notANumber')
      case 'missing_value': return t('admin.reasons.missingValue')
      case 'not_finite': return t('admin.reasons.notFinite')
      case 'out_of_range': return t('admin.reasons.outOfRange')
      case 'not_an_object': return t('admin.reasons.notAnObject')
      case 'missing_timestamp': return t('admin.reasons.missingTimestamp')
      case 'invalid_timestamp': return t('admin.reasons.invalidTimestamp')
      case 'future_timestamp': return t('admin.reasons.futureTimestamp')
      case 'too_old': return t('admin.reasons.tooOld')
      case 'invalid_heatpumps': return t('admin.reasons.invalidHeatpumps')
      case 'invalid_heatpump': return t('admin.reasons.invalidHeatpump')
      case 'too_many_heatpumps': return t('admin.reasons.tooManyHeatpumps')
      default: return reason
    }
  }
}
