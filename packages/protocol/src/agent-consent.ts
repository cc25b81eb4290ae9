/**
 * `GET /api/consent-text` of the agent's local API: the consent text the owner agrees to, in both
 * languages (written in packages/agent/src/consent-text.ts, shown by the web UI's My installation).
 */

export type ConsentLanguage = 'en' | 'de'

export interface ConsentItem {
  readonly id: string
  readonly text: string
}

export interface ConsentTextBody {
  readonly title: string
  /** Paragraphs of the consent text. */
  readonly paragraphs: readonly string[]
  /** What leaves the house, item by item. */
  readonly shared: readonly ConsentItem[]
  /** The measurements the server keeps (the metric catalog), with units. */
  readonly metrics: readonly { readonly name: string, readonly unit: string, readonly description: string }[]
  /** What is never sent or never kept. */
  readonly not_shared: readonly ConsentItem[]
}

export interface ConsentText {
  readonly version: string
  readonly languages: Readonly<Record<ConsentLanguage, ConsentTextBody>>
}

/** The agent's answer: the text, and the version the owner accepted (null: none). */
export interface ConsentTextAnswer extends ConsentText {
  readonly accepted_version: string | null
}
