/**
 * The platform's ways out, from its configuration: SMTP for email, a gateway URL (and secret) each for SMS and
 * IM. Unset: that channel is off (in-app notifications always work) and users cannot choose it.
 */
import { AppError } from '../errors.ts';
import { postSigned, smtpSender, type EmailSender } from './senders.ts';

export { render, TEMPLATES, linkPath } from './templates.ts';
export { signBody, verifySignature, SIGNATURE_HEADER } from './signature.ts';
export { postSigned, SendError, smtpSender, type EmailSender } from './senders.ts';

export type OutsideChannel = 'email' | 'sms' | 'im';
export interface Gateway {
  url: string;
  secret: string;
}

export interface OutsideChannels {
  email: (EmailSender & { close?: () => void }) | null;
  gateways: { sms: Gateway | null; im: Gateway | null };
  /** The channels configured. */
  available(): OutsideChannel[];
  /** Sends a verification code, in the user's language. */
  sendCode(channel: OutsideChannel, address: string, code: string, locale: string): Promise<void>;
  close(): void;
}

const CODE_TEXT: Record<string, string> = {
  en: 'Your Watchpost verification code is {code}. It is valid for 15 minutes.',
  'zh-CN': '您的远程监管平台验证码为 {code}，15 分钟内有效。',
  ru: 'Ваш код подтверждения Watchpost: {code}. Действует 15 минут.',
};

export function outsideChannels(config: {
  SMTP_URL?: string;
  MAIL_FROM: string;
  SMS_GATEWAY_URL?: string;
  SMS_GATEWAY_SECRET?: string;
  IM_GATEWAY_URL?: string;
  IM_GATEWAY_SECRET?: string;
}): OutsideChannels {
  const email = config.SMTP_URL ? smtpSender(config.SMTP_URL, config.MAIL_FROM) : null;
  const gateway = (url?: string, secret?: string) => (url && secret ? { url, secret } : null);
  const gateways = { sms: gateway(config.SMS_GATEWAY_URL, config.SMS_GATEWAY_SECRET), im: gateway(config.IM_GATEWAY_URL, config.IM_GATEWAY_SECRET) };
  const available = (): OutsideChannel[] => [...(email ? (['email'] as const) : []), ...(gateways.sms ? (['sms'] as const) : []), ...(gateways.im ? (['im'] as const) : [])];
  return {
    email,
    gateways,
    available,
    async sendCode(channel, address, code, locale) {
      if (!available().includes(channel)) throw new AppError('unavailable', `This platform sends no ${channel}`, { reason: 'channel_not_configured', params: { channel } });
      const text = (CODE_TEXT[locale] ?? CODE_TEXT['zh-CN']!).replace('{code}', code);
      const id = crypto.randomUUID();
      try {
        if (channel === 'email') await email!({ id, to: address, subject: text.split(/[.。]/)[0]!, text, html: `<p>${text}</p>` });
        else await postSigned(gateways[channel]!.url, gateways[channel]!.secret, { id, channel, to: address, kind: 'contact.verify', locale, title: text, text, link: '' }, id);
      } catch (err) {
        throw new AppError('unavailable', `The code could not be sent: ${(err as Error).message}`, { reason: 'contact_unreachable' });
      }
    },
    close: () => email?.close?.(),
  };
}
