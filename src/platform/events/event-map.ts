/**
 * Every domain event Bastion publishes, `<context>.<fact>` in the past tense, with its
 * payload. Payloads are ids and primitives only, never entities. Contexts add their
 * events here when they land; audit and notifications subscribe by name.
 */
export interface DomainEventMap {
  /** A once-across-instances job ran its body for a slot on this instance. */
  'jobs.run_completed': { job: string; slot: string; instance_id: string; outcome: 'succeeded' | 'failed'; duration_ms: number };
}

export type DomainEventName = keyof DomainEventMap;
