import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountMailThrottleInterceptor } from './api/account-mail-throttle.interceptor';
import { AccountRecoveryController } from './api/account-recovery.controller';
import { AccountMailThrottle } from './infra/account-mail.throttle';
import { AuthController } from './api/auth.controller';
import { EmailChangeController } from './api/email-change.controller';
import { CookieMode } from './api/cookie-mode';
import { SessionsController } from './api/sessions.controller';
import { JwtAuthGuard, OptionalJwtAuthGuard, PrincipalResolver, RecentAuthGuard, RolesGuard } from './api/guards';
import { AdminUsersController } from './api/admin-users.controller';
import { ApiKeysController } from './api/api-keys.controller';
import { MfaController } from './api/mfa.controller';
import { AdminUsersService } from './admin-users.service';
import { ApiKeysService } from './api-keys.service';
import { MfaService } from './mfa.service';
import { ApiKeyEntity } from './infra/api-key.entity';
import { RecoveryCodeEntity } from './infra/recovery-code.entity';
import { UserMfaEntity } from './infra/user-mfa.entity';
import { AccessTokenVerifier } from './api/access-token.verifier';
import { AuthService } from './auth.service';
import { AdminSeeder } from './infra/admin.seeder';
import { PasswordHasher } from './infra/password.hasher';
import { JwtCodec, JwtKeyring } from './infra/jwt-keys';
import { reloadKeysOnChange } from './infra/jwt-keys-reloader';
import { describeKeys } from './jwt-keys.config';
import { SecretsRefresher } from '../../platform/secrets';
import { TokenService } from './infra/token.service';
import { UserEntity } from './infra/user.entity';
import { LoginLockoutEntity } from './infra/login-lockout.entity';
import { LoginLockoutStore } from './infra/login-lockout.store';
import { LoginSourceEntity } from './infra/login-source.entity';
import { LoginThrottle } from './infra/login-throttle';
import { LoginThrottleInterceptor } from './api/login-throttle.interceptor';
import { RequestPrincipal } from './api/request-principal';
import { AuthMetrics } from './infra/auth.metrics';
import { BreachedPasswords } from './infra/breached-passwords';
import { OneTimeTokenEntity } from './infra/one-time-token.entity';
import { OneTimeTokenStore } from './infra/one-time-token.store';
import { RefreshTokenEntity } from './infra/refresh-token.entity';
import { SessionStore } from './infra/session.store';
import { SessionsMetrics } from './infra/sessions.metrics';
import { UserSessionEntity } from './infra/user-session.entity';
import { identityConfig, type IdentityConfig } from './identity.config';
import { AccountRecoveryService } from './account-recovery.service';
import { EmailChangeService } from './email-change.service';
import { AccountClosureService } from './account-closure.service';
import { InvitationsService } from './invitations.service';
import { InvitationsController } from './api/invitations.controller';
import { AccountController } from './api/account.controller';
import { AccountExportService } from './account-export.service';
import { PasswordRules } from './password-rules';
import { SessionsService } from './sessions.service';
import { PasskeysController } from './api/passkeys.controller';
import { PasskeyEntity, WebAuthnChallengeEntity } from './infra/passkey.entity';
import { PasskeysService } from './passkeys.service';
import { PasskeyCeremonies } from './passkey-ceremonies';
import { PasswordProof } from './password-proof';
import { ReauthenticationService } from './reauthentication.service';
import { ReauthenticationController } from './api/reauthentication.controller';
import { WellKnownController } from './api/well-known.controller';
import { BearerAuthenticator } from './api/bearer-authenticator';
import { LoginShedding } from './api/login-shedding';
import { webAuthnConfig } from './webauthn.config';

/** Exported too: the guards other contexts use run in those contexts' modules and read it. */
const IDENTITY_CONFIG = ConfigModule.forFeature(identityConfig);

/**
 * The identity context: accounts, login and its brute-force defence, sessions and refresh
 * tokens, MFA, API keys, and the guards every other context protects its routes with.
 */
@Module({
  imports: [
    IDENTITY_CONFIG,
    ConfigModule.forFeature(webAuthnConfig),
    TypeOrmModule.forFeature([
      UserEntity,
      LoginLockoutEntity,
      LoginSourceEntity,
      UserMfaEntity,
      RecoveryCodeEntity,
      ApiKeyEntity,
      UserSessionEntity,
      RefreshTokenEntity,
      OneTimeTokenEntity,
      PasskeyEntity,
      WebAuthnChallengeEntity,
    ]),
  ],
  controllers: [
    AuthController,
    AccountRecoveryController,
    EmailChangeController,
    SessionsController,
    MfaController,
    ApiKeysController,
    AdminUsersController,
    InvitationsController,
    AccountController,
    PasskeysController,
    ReauthenticationController,
    WellKnownController,
  ],
  providers: [
    AuthService,
    PasskeysService,
    PasskeyCeremonies,
    ReauthenticationService,
    RecentAuthGuard,
    PasswordHasher,
    PasswordProof,
    LoginShedding,
    TokenService,
    {
      provide: JwtCodec,
      inject: [identityConfig.KEY, SecretsRefresher],
      useFactory: (config: IdentityConfig, secrets: SecretsRefresher) => {
        const codec = new JwtCodec(new JwtKeyring(config.jwtKeys), config);
        // Rotated keys (a new file content, a new Vault version) apply without a restart.
        reloadKeysOnChange(codec, secrets, { ...process.env });
        return codec;
      },
    },
    AccessTokenVerifier,
    BearerAuthenticator,
    JwtAuthGuard,
    OptionalJwtAuthGuard,
    RolesGuard,
    AdminSeeder,
    LoginLockoutStore,
    LoginThrottle,
    LoginThrottleInterceptor,
    RequestPrincipal,
    AuthMetrics,
    BreachedPasswords,
    MfaService,
    ApiKeysService,
    AdminUsersService,
    PrincipalResolver,
    CookieMode,
    SessionsService,
    SessionStore,
    SessionsMetrics,
    OneTimeTokenStore,
    PasswordRules,
    AccountRecoveryService,
    AccountMailThrottle,
    AccountMailThrottleInterceptor,
    EmailChangeService,
    AccountClosureService,
    InvitationsService,
    AccountExportService,
  ],
  exports: [
    IDENTITY_CONFIG,
    AuthService,
    AccessTokenVerifier,
    BearerAuthenticator,
    PrincipalResolver,
    MfaService,
    JwtAuthGuard,
    OptionalJwtAuthGuard,
    RolesGuard,
    AdminSeeder,
    RequestPrincipal,
    SessionsService,
  ],
})
export class IdentityModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('Identity');

  constructor(@Inject(identityConfig.KEY) private readonly config: IdentityConfig) {}

  onApplicationBootstrap(): void {
    const { algorithm, generated } = this.config.jwtKeys;
    if (this.config.jwtSecretGenerated && algorithm === 'HS256') {
      this.logger.warn('JWT_SECRET is not set: using a random per-process secret (tokens do not survive a restart)');
    }
    if (generated) {
      this.logger.warn(
        `JWT_PRIVATE_KEY is not set: using a random per-process ${algorithm} key (tokens do not survive a restart)`,
      );
    }
    this.logger.log(`Access tokens: ${describeKeys(this.config.jwtKeys)}`);
  }
}
