import Type, { type Static } from 'typebox'

export const GrowthQuerySchema = Type.Object({
  days: Type.Integer({ minimum: 7, maximum: 730, default: 365, description: 'UTC days in the window, ending yesterday' }),
})
export type GrowthQuery = Static<typeof GrowthQuerySchema>

export const GrowthDaySchema = Type.Object({
  day: Type.String({ format: 'date' }),
  active_installations: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Installations with samples timestamped that day; null when more than 0 but fewer than k_anonymity',
  }),
  total_installations: Type.Integer({ minimum: 0, description: 'Installations whose first day with samples is this day or earlier' }),
  data_points: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Samples (values) stored with timestamps on that day; null with active_installations (they could be one home\'s)',
  }),
})
export type GrowthDay = Static<typeof GrowthDaySchema>

/** `GET /api/v2/community/growth`: how the pool grew, one entry per UTC day, oldest first. */
export const CommunityGrowthSchema = Type.Object({
  from: Type.String({ format: 'date', description: 'First UTC day' }),
  to: Type.String({ format: 'date', description: 'Last UTC day (yesterday: the last complete day)' }),
  k_anonymity: Type.Integer({ description: 'Days with fewer active installations than this (but more than 0) publish their counts as null' }),
  days: Type.Array(GrowthDaySchema),
})
export type CommunityGrowth = Static<typeof CommunityGrowthSchema>
