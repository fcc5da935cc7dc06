/**
 * Where and how the user is told outside the platform: an address per channel the platform sends on, verified
 * by the code sent there; the channels chosen for each kind of notification (in-app is always on); quiet
 * hours, when nothing but alarms goes out.
 */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { CONTACT_CHANNELS, NotificationPreferences, NotificationSettings } from '../../api/types.ts';
import { ActionButton, ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

type Channel = (typeof CONTACT_CHANNELS)[number];

export function NotificationSettingsCard() {
  const { t } = useI18n();
  const loaded = useLoad(() => api.notificationSettings(), []);
  const [settings, setSettings] = useState<NotificationSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const s = settings ?? loaded.data;
  if (loaded.error) return <ErrorBanner error={loaded.error} />;
  if (!s) return <Loading />;
  const update = (next: NotificationSettings) => {
    setSettings(next);
    setSaved(false);
  };
  const toggle = (group: string, channel: Channel) => {
    const current = s.channels[group] ?? [];
    update({ ...s, channels: { ...s.channels, [group]: current.includes(channel) ? current.filter((c) => c !== channel) : [...current, channel] } });
  };
  return (
    <section className="card form" data-testid="notification-settings">
      <h2>{t('notifications.settings')}</h2>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {s.available.length === 0 ? (
        <p className="muted">{t('notifications.inAppOnly')}</p>
      ) : (
        s.available.map((channel) => <ContactRow key={channel} channel={channel} settings={s} onChange={update} onError={setError} />)
      )}
      {s.available.length > 0 && (
        <>
          <table className="table compact">
            <thead>
              <tr>
                <th>{t('notifications.kind')}</th>
                {s.available.map((c) => (
                  <th key={c}>{t(`notifications.channel.${c}`)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.keys(s.channels).map((group) => (
                <tr key={group}>
                  <td>{t(`notifications.group.${group as 'booking'}`)}</td>
                  {s.available.map((c) => (
                    <td key={c}>
                      <input type="checkbox" aria-label={`${group} ${c}`} checked={(s.channels[group] ?? []).includes(c)} onChange={() => toggle(group, c)} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <label className="checkbox">
            <input type="checkbox" checked={s.quietHours !== null} onChange={(e) => update({ ...s, quietHours: e.target.checked ? { start: '22:00', end: '07:00' } : null })} />{' '}
            {t('notifications.quietHours')}
          </label>
          {s.quietHours && (
            <div className="row">
              <label>
                {t('notifications.quietFrom')}
                <input type="time" value={s.quietHours.start} onChange={(e) => update({ ...s, quietHours: { start: e.target.value, end: s.quietHours!.end } })} required />
              </label>
              <label>
                {t('notifications.quietTo')}
                <input type="time" value={s.quietHours.end} onChange={(e) => update({ ...s, quietHours: { start: s.quietHours!.start, end: e.target.value } })} required />
              </label>
            </div>
          )}
          <p className="muted small">{t('notifications.quietHint')}</p>
          <div className="actions">
            <ActionButton
              onError={setError}
              action={async () => {
                update(await api.saveNotificationSettings({ channels: s.channels as NotificationPreferences['channels'], quietHours: s.quietHours }));
                setSaved(true);
              }}
            >
              {t('notifications.save')}
            </ActionButton>
            {saved && (
              <span className="muted" role="status">
                {t('notifications.saved')}
              </span>
            )}
          </div>
        </>
      )}
    </section>
  );
}

function ContactRow({ channel, settings, onChange, onError }: { channel: Channel; settings: NotificationSettings; onChange: (s: NotificationSettings) => void; onError: (e: unknown) => void }) {
  const { t } = useI18n();
  const contact = settings.contacts.find((c) => c.channel === channel);
  const [address, setAddress] = useState(contact?.address ?? '');
  const [code, setCode] = useState('');
  return (
    <div className="contact-row" data-testid={`contact-${channel}`}>
      <label>
        {t(`notifications.address.${channel}`)}{' '}
        {contact && <span className={`badge ${contact.verified ? 'annual-filed' : 'annual-due'}`}>{contact.verified ? t('notifications.verified') : t('notifications.notVerified')}</span>}
        <input
          name={`address-${channel}`}
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          type={channel === 'email' ? 'email' : channel === 'sms' ? 'tel' : 'text'}
          placeholder={channel === 'sms' ? '+8613800000000' : channel === 'email' ? 'name@example.com' : ''}
        />
      </label>
      <div className="actions">
        <ActionButton className="secondary" disabled={!address.trim()} onError={onError} action={async () => onChange(await api.setContact(channel, address.trim()))}>
          {t('notifications.sendCode')}
        </ActionButton>
        {contact && (
          <ActionButton
            className="secondary"
            onError={onError}
            action={async () => {
              setAddress('');
              onChange(await api.removeContact(channel));
            }}
          >
            {t('notifications.remove')}
          </ActionButton>
        )}
      </div>
      {contact?.codeSent && !contact.verified && (
        <div className="row">
          <label>
            {t('notifications.code')}
            <input name={`code-${channel}`} value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" pattern="[0-9]{6}" maxLength={6} />
          </label>
          <ActionButton onError={onError} disabled={code.length !== 6} action={async () => onChange(await api.verifyContact(channel, code))}>
            {t('notifications.verify')}
          </ActionButton>
        </div>
      )}
    </div>
  );
}
