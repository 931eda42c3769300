/**
 * Every domain event Bastion publishes, `<context>.<fact>` in the past tense, with its
 * payload. Payloads are ids and primitives only, never entities. Contexts add their
 * events here when they land; audit and notifications subscribe by name.
 */
export interface DomainEventMap {
  // auth
  'auth.user_registered': { user_id: string; email: string; ip: string | null };
  'auth.registration_failed': { email: string; reason: 'weak_password' | 'email_taken' | 'invalid_email'; ip: string | null };
  'auth.login_succeeded': {
    user_id: string;
    session_id: string;
    ip: string | null;
    user_agent: string | null;
    rehashed: boolean;
  };
  'auth.login_failed': {
    email: string;
    user_id: string | null;
    /** `credentials_changed`: the password was right when checked, then reset, changed or deactivated before the session began. */
    reason: 'unknown_email' | 'wrong_password' | 'inactive' | 'invalid_mfa_code' | 'invalid_passkey' | 'credentials_changed';
    ip: string | null;
    user_agent: string | null;
  };
  'auth.login_throttled': {
    email: string;
    ip: string | null;
    user_agent: string | null;
    scope: 'ip_email' | 'ip';
    retry_after: number;
  };
  'auth.login_blocked': {
    email: string;
    user_id: string | null;
    ip: string | null;
    user_agent: string | null;
    retry_after: number;
  };
  'auth.account_locked': {
    email: string;
    user_id: string | null;
    ip: string | null;
    user_agent: string | null;
    locked_until: string;
    lockout_level: number;
    cooldown_seconds: number;
  };
  'auth.account_unlocked': {
    user_id: string | null;
    reason: 'cooldown' | 'admin';
    by_user_id: string | null;
    was_locked: boolean;
    ip: string | null;
  };
  'auth.repeated_login_failures': {
    email: string;
    user_id: string | null;
    ip: string | null;
    user_agent: string | null;
    failures: number;
  };
  'auth.suspicious_login': {
    user_id: string;
    session_id: string;
    ip: string | null;
    user_agent: string | null;
    reasons: ('new_ip' | 'new_user_agent' | 'after_failures')[];
    failures_before: number;
  };
  'auth.mfa_enabled': { user_id: string; ip: string | null; user_agent: string | null };
  /** A passkey was added to the account (`passkey_id`: ours, not the credential id). */
  'auth.passkey_registered': { user_id: string; passkey_id: string; name: string; backed_up: boolean; device_type: string };
  'auth.passkey_removed': { user_id: string; passkey_id: string; name: string };
  'auth.passkey_renamed': { user_id: string; passkey_id: string; name: string };
  /** A passkey's assertion verified: to sign in, as a second factor after a password, or to re-authenticate. */
  'auth.passkey_login_succeeded': {
    user_id: string;
    passkey_id: string;
    stage: 'sign_in' | 'second_factor' | 'reauthentication';
  };
  /** An assertion was refused (`user_id`/`passkey_id` when the credential or the account is known). */
  'auth.passkey_login_failed': {
    user_id: string | null;
    passkey_id: string | null;
    reason: 'unknown_credential' | 'invalid_challenge' | 'invalid_assertion' | 'counter_anomaly';
    stage: 'sign_in' | 'second_factor' | 'reauthentication';
  };
  /** The signature counter did not move forward: possibly a cloned authenticator (`policy`: what was done). */
  'auth.passkey_counter_anomaly': {
    user_id: string;
    passkey_id: string;
    stored_counter: number;
    presented_counter: number;
    policy: 'refuse' | 'warn';
  };
  /** The session's user proved who they are again (step-up): its tokens' `auth_time` is now. */
  'auth.reauthenticated': {
    user_id: string;
    session_id: string;
    method: 'password' | 'totp' | 'recovery_code' | 'passkey';
    ip: string | null;
    user_agent: string | null;
  };
  /** A re-authentication did not prove it (a wrong password counts towards the account's lockout). */
  'auth.reauthentication_failed': {
    user_id: string;
    session_id: string;
    method: 'password' | 'totp' | 'recovery_code' | 'passkey';
    ip: string | null;
    user_agent: string | null;
  };
  'auth.mfa_disabled': { user_id: string; ip: string | null; user_agent: string | null };
  'auth.mfa_failed': {
    user_id: string;
    stage: 'login' | 'activate' | 'disable' | 'delete_account';
    ip: string | null;
    user_agent: string | null;
  };
  'auth.recovery_code_used': { user_id: string; remaining: number; ip: string | null; user_agent: string | null };
  'auth.api_key_created': { api_key_id: string; user_id: string; prefix: string; expires_at: string | null; ip: string | null };
  'auth.api_key_revoked': { api_key_id: string; user_id: string; reason: 'user' | 'user_deactivated'; by_user_id: string | null };
  /** A request presented a revoked or expired key (or one of a deactivated user). */
  'auth.api_key_rejected': {
    api_key_id: string;
    user_id: string;
    reason: 'revoked' | 'expired' | 'user_inactive';
    ip: string | null;
    user_agent: string | null;
  };
  'auth.user_activated': { user_id: string; by_user_id: string };
  'auth.user_deactivated': { user_id: string; by_user_id: string; sessions_revoked: number; api_keys_revoked: number };
  'auth.users_bulk_updated': {
    by_user_id: string;
    action: 'activate' | 'deactivate';
    requested: number;
    updated: number;
    unchanged: number;
    not_found: number;
  };
  'auth.password_changed': { user_id: string; sessions_revoked: number; ip: string | null };
  'auth.admin_seeded': { user_id: string; email: string; generated_password: boolean };
  /** `token_link` carries a one-time token: mailed to `email`, redacted from the audit row (a secret-named key). */
  'auth.email_verification_requested': { user_id: string; email: string; token_link: string; expires_at: string };
  'auth.email_verified': { user_id: string; email: string };
  /** Someone tried to register an address that has an account (told to its owner where registration is silent). */
  'auth.registration_attempted': { user_id: string; email: string; ip: string | null };
  'auth.password_reset_requested': {
    user_id: string;
    email: string;
    token_link: string;
    expires_at: string;
    ip: string | null;
  };
  'auth.password_reset': { user_id: string; sessions_revoked: number; api_keys_revoked: number; ip: string | null };
  /**
   * `token_link` goes to `new_email` only (redacted from the audit row); the old address gets a notice. It is empty
   * when `new_email` belongs to another account: no link is sent, and nothing else differs (the audit row, the notice).
   */
  'auth.email_change_requested': {
    user_id: string;
    email: string;
    new_email: string;
    token_link: string;
    expires_at: string;
    ip: string | null;
  };
  'auth.email_changed': { user_id: string; old_email: string; new_email: string };
  /** A one-time token was presented that is unknown, spent, voided or expired. */
  'auth.token_rejected': { purpose: string; ip: string | null };
  /**
   * The account was closed (by its owner, or by an admin: `by_user_id`): deactivated at once,
   * erased at `due_at`. A sign-in with the right password before then cancels it.
   */
  'auth.account_deletion_requested': {
    user_id: string;
    email: string;
    due_at: string;
    grace_seconds: number;
    by_user_id: string | null;
    ip: string | null;
  };
  'auth.account_deletion_cancelled': { user_id: string; ip: string | null };
  /** The account's personal data is gone; `user_id` stays as a pseudonym in the audit trail. */
  'auth.account_erased': { user_id: string; by_user_id: string | null; erased: Record<string, number> };
  /** An admin created the account; `token_link` (mailed to `email`, redacted from audit) sets its password. */
  'auth.user_invited': {
    user_id: string;
    email: string;
    role: string;
    by_user_id: string;
    token_link: string;
    expires_at: string;
  };
  'auth.invitation_accepted': { user_id: string; ip: string | null };
  'auth.user_role_changed': { user_id: string; by_user_id: string; from: string; to: string; sessions_revoked: number };

  // sessions
  'sessions.started': { session_id: string; user_id: string; ip: string | null; user_agent: string | null };
  'sessions.refreshed': { session_id: string; user_id: string; grace: boolean };
  'sessions.revoked': { session_id: string; user_id: string; reason: string; by_user_id: string | null };
  'sessions.refresh_reuse_detected': { session_id: string; user_id: string; ip: string | null; user_agent: string | null };
  'sessions.suspicious_refresh': {
    session_id: string;
    user_id: string;
    ip: string | null;
    user_agent: string | null;
    ip_changed: boolean;
    user_agent_changed: boolean;
    action: 'allowed' | 'denied';
  };

  // status
  'status.event_posted': {
    event_id: string;
    service: string;
    status: 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';
    by_user_id: string | null;
  };

  // workspace (every item belongs to a tenant: `tenant_id`)
  'workspace.project_created': { project_id: string; tenant_id: string; owner_id: string; by_user_id: string };
  /** `fields`: the names of the fields whose values changed. */
  'workspace.project_updated': { project_id: string; tenant_id: string; owner_id: string; by_user_id: string; fields: string[] };
  'workspace.project_deleted': { project_id: string; tenant_id: string; owner_id: string; by_user_id: string };
  'workspace.ticket_created': {
    ticket_id: string;
    tenant_id: string;
    owner_id: string;
    priority: 'low' | 'normal' | 'high' | 'urgent';
    by_user_id: string;
  };
  'workspace.ticket_updated': { ticket_id: string; tenant_id: string; owner_id: string; by_user_id: string; fields: string[] };
  'workspace.ticket_status_changed': {
    ticket_id: string;
    tenant_id: string;
    owner_id: string;
    by_user_id: string;
    from: 'open' | 'in_progress' | 'resolved' | 'closed';
    to: 'open' | 'in_progress' | 'resolved' | 'closed';
  };
  'workspace.post_created': { post_id: string; tenant_id: string; author_id: string; by_user_id: string };

  // files
  /** `content_type` is the type detected from the bytes; `filename` the sanitised client name. */
  'files.uploaded': {
    file_id: string;
    tenant_id: string;
    owner_id: string;
    filename: string;
    content_type: string;
    size: number;
    sha256: string;
    scan_status: 'clean' | 'not_scanned' | 'scan_failed';
    ip: string | null;
  };
  /** `reason` is the problem code the client got; `received_bytes` how much was read before refusing. */
  'files.upload_rejected': {
    user_id: string;
    reason:
      | 'not_multipart'
      | 'malformed_multipart'
      | 'file_missing'
      | 'too_many_files'
      | 'unexpected_field'
      | 'file_empty'
      | 'file_too_large'
      | 'file_type_not_allowed'
      | 'file_infected'
      | 'scan_unavailable';
    filename: string | null;
    declared_type: string | null;
    detected_type: string | null;
    received_bytes: number;
    signature: string | null;
    ip: string | null;
  };
  'files.deleted': { file_id: string; tenant_id: string; owner_id: string; by_user_id: string };

  // notifications
  /** A provider accepted the message; `attempts` it took. Ids only: the recipient stays in the notifications table. */
  'notifications.sent': {
    notification_id: string;
    channel: 'email' | 'whatsapp';
    template: string;
    user_id: string | null;
    attempts: number;
  };
  /** Given up on: the provider refused this message (`permanent_error`) or every attempt failed (`max_attempts`). */
  'notifications.failed': {
    notification_id: string;
    channel: 'email' | 'whatsapp';
    template: string;
    user_id: string | null;
    attempts: number;
    reason: 'permanent_error' | 'max_attempts';
    error_code: string | null;
  };

  // tenancy (`by_user_id`: who acted; for a personal tenant's lazy creation, its owner)
  'tenancy.tenant_created': { tenant_id: string; slug: string; personal: boolean; by_user_id: string };
  /** `fields`: `name` and/or `settings.<name>` of each setting whose value changed. */
  'tenancy.tenant_updated': { tenant_id: string; by_user_id: string; fields: string[] };
  'tenancy.tenant_deleted': { tenant_id: string; slug: string; by_user_id: string };
  'tenancy.member_added': { tenant_id: string; user_id: string; role: 'owner' | 'admin' | 'member'; by_user_id: string };
  'tenancy.member_role_changed': {
    tenant_id: string;
    user_id: string;
    from: 'owner' | 'admin' | 'member';
    to: 'owner' | 'admin' | 'member';
    by_user_id: string;
  };
  /** `left`: the member removed themself. */
  'tenancy.member_removed': {
    tenant_id: string;
    user_id: string;
    role: 'owner' | 'admin' | 'member';
    by_user_id: string;
    left: boolean;
  };
  'tenancy.tenant_suspended': { tenant_id: string; by_user_id: string };
  'tenancy.tenant_reactivated': { tenant_id: string; by_user_id: string };
  /** `fields`: the quotas whose values changed; `quotas`: all of them after the change (`null`: unlimited). */
  'tenancy.quotas_changed': {
    tenant_id: string;
    by_user_id: string;
    fields: string[];
    quotas: Record<string, number | null>;
  };
  /**
   * An owner or admin invited `email` to join with `role`. `token_link` carries the one-time
   * token: mailed to `email`, redacted from the audit row (a secret-named key).
   */
  'tenancy.invitation_sent': {
    tenant_id: string;
    tenant_name: string;
    invitation_id: string;
    email: string;
    role: 'admin' | 'member';
    by_user_id: string;
    token_link: string;
    expires_at: string;
  };
  /** A pending invitation was revoked: by an owner or admin, or `replaced` by a new one to the same address. */
  'tenancy.invitation_revoked': {
    tenant_id: string;
    invitation_id: string;
    email: string;
    by_user_id: string;
    replaced: boolean;
  };
  /** `user_id` (also `by_user_id`) spent the invitation and joined; `tenancy.member_added` follows. */
  'tenancy.invitation_accepted': {
    tenant_id: string;
    invitation_id: string;
    user_id: string;
    role: 'admin' | 'member';
    invited_by: string | null;
    by_user_id: string;
  };
  /**
   * An invitation link was refused: `invalid_token` (malformed, unknown, spent, revoked or
   * expired: one answer to the client, and no token material here), or `email_mismatch` (signed
   * in with another address). `tenant_id` when the token named an invitation.
   */
  'tenancy.invitation_rejected': { tenant_id: string | null; reason: 'invalid_token' | 'email_mismatch'; by_user_id: string };
  /** A change was refused because it would take the tenant past `quota` (`usage` of `limit`). */
  'tenancy.quota_exceeded': {
    tenant_id: string;
    quota: string;
    limit: number;
    usage: number;
    by_user_id: string;
  };

  // platform
  /** A once-across-instances job ran its body for a slot on this instance. */
  'jobs.run_completed': { job: string; slot: string; instance_id: string; outcome: 'succeeded' | 'failed'; duration_ms: number };
}

export type DomainEventName = keyof DomainEventMap;
