import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '../../platform/clock';
import { SecretsRefresher } from '../../platform/secrets';
import { IdentityModule } from '../identity';
import { EMAIL_SENDER, WHATSAPP_SENDER } from './domain/ports';
import { NotificationAttemptEntity } from './infra/notification-attempt.entity';
import { NotificationEntity } from './infra/notification.entity';
import { NotificationStore } from './infra/notification.store';
import { NotificationsMetrics } from './infra/notifications.metrics';
import { ProviderBreakers } from './infra/provider-breakers';
import { createEmailSender, createWhatsAppSender } from './infra/senders/create-senders';
import { SmtpEmailSender } from './infra/senders/smtp-email.sender';
import { NotificationDispatcher } from './notification.dispatcher';
import { notificationsConfig, type NotificationsConfig } from './notifications.config';
import { NotificationsService } from './notifications.service';
import { NotificationsPersonalData } from './notifications.personal-data';
import { SecurityNoticesListener } from './security-notices.listener';

@Module({
  imports: [
    ConfigModule.forFeature(notificationsConfig),
    TypeOrmModule.forFeature([NotificationEntity, NotificationAttemptEntity]),
    IdentityModule,
  ],
  providers: [
    {
      provide: EMAIL_SENDER,
      inject: [notificationsConfig.KEY, Clock, SecretsRefresher],
      useFactory: (config: NotificationsConfig, clock: Clock, secrets: SecretsRefresher) => {
        const sender = createEmailSender(config, clock);
        // Rotated SMTP credentials (a new file content, a new Vault version) apply without a restart.
        if (sender instanceof SmtpEmailSender) {
          secrets.onChange(['SMTP_USER', 'SMTP_PASSWORD'], () =>
            sender.useCredentials(secrets.current('SMTP_USER'), secrets.current('SMTP_PASSWORD')),
          );
        }
        return sender;
      },
    },
    {
      provide: WHATSAPP_SENDER,
      inject: [notificationsConfig.KEY, Clock],
      useFactory: (config: NotificationsConfig, clock: Clock) => createWhatsAppSender(config, clock),
    },
    NotificationStore,
    NotificationsMetrics,
    ProviderBreakers,
    NotificationDispatcher,
    NotificationsService,
    SecurityNoticesListener,
    NotificationsPersonalData,
  ],
  exports: [NotificationsService],
})
export class NotificationsModule {}
