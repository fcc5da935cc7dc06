/** Administration: enterprises (risk class), users and roles, broker delegations, sites, cameras, vehicles. */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../api/client.ts';
import { RISK_CLASSES, ROLES, SITE_KINDS, VISION_TASKS, type Camera, type Enterprise } from '../../api/types.ts';
import { useRouter } from '../../app/router.tsx';
import { ActionButton, Empty, ErrorBanner, Modal, Options, useErrorText, useLoad } from '../../components/common.tsx';
import { LOCALES, LOCALE_NAMES, useI18n, type MessageKey } from '../../i18n/index.tsx';

const TABS = ['enterprises', 'users', 'delegations', 'sites', 'cameras', 'vehicles'] as const;
type Tab = (typeof TABS)[number];

export function AdminPage() {
  const { t } = useI18n();
  const { search, navigate } = useRouter();
  const tab = (TABS as readonly string[]).includes(search.get('tab') ?? '') ? (search.get('tab') as Tab) : 'enterprises';
  const enterprises = useLoad(() => api.enterprises(), []);
  return (
    <div className="page">
      <h1>{t('admin.title')}</h1>
      <nav className="tabs" role="tablist">
        {TABS.map((name) => (
          <button key={name} role="tab" aria-selected={tab === name} className={tab === name ? 'active' : 'secondary'} onClick={() => navigate(`/admin?tab=${name}`)} data-tab={name}>
            {t(`admin.tab.${name}`)}
          </button>
        ))}
      </nav>
      <ErrorBanner error={enterprises.error} />
      {tab === 'enterprises' && <Enterprises list={enterprises.data ?? []} reload={enterprises.reload} />}
      {tab === 'users' && <Users enterprises={enterprises.data ?? []} />}
      {tab === 'delegations' && <Delegations enterprises={enterprises.data ?? []} />}
      {tab === 'sites' && <Sites enterprises={enterprises.data ?? []} />}
      {tab === 'cameras' && <Cameras />}
      {tab === 'vehicles' && <Vehicles enterprises={enterprises.data ?? []} />}
    </div>
  );
}

/** A create form: runs `submit` with the form's fields, shows its error, resets and calls `done` on success. */
function CreateForm({ title, submit, done, children }: { title: MessageKey; submit: (fields: Record<string, string>, all: FormData) => Promise<unknown>; done: () => void; children: ReactNode }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setError(null);
    try {
      await submit(Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v).trim()])), data);
      form.reset();
      done();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card form inline-form" onSubmit={onSubmit}>
      <h2>{t(title)}</h2>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div className="fields">{children}</div>
      <button type="submit">{t('common.create')}</button>
    </form>
  );
}

function EnterpriseSelect({ enterprises, name = 'enterpriseId', optional }: { enterprises: Enterprise[]; name?: string; optional?: boolean }) {
  const { t } = useI18n();
  return (
    <label>
      {t('booking.enterprise')}
      <select name={name} required={!optional} defaultValue="">
        <option value="">{optional ? t('common.none') : t('common.choose')}</option>
        <Options items={enterprises} label={(e) => e.name} value={(e) => e.id} />
      </select>
    </label>
  );
}

function Enterprises({ list, reload }: { list: Enterprise[]; reload: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.name')}</th>
            <th>{t('admin.customsCode')}</th>
            <th>{t('admin.riskClass')}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((e) => (
            <tr key={e.id}>
              <td>{e.name}</td>
              <td>{e.customsCode}</td>
              <td>
                <select aria-label={t('admin.riskClass')} value={e.riskClass} onChange={(ev) => api.setRiskClass(e.id, ev.target.value).then(reload, setError)}>
                  <Options items={RISK_CLASSES} label={(r) => t(`risk.${r}`)} />
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateForm title="admin.newEnterprise" submit={(f) => api.createEnterprise({ name: f.name!, customsCode: f.customsCode!.toUpperCase(), riskClass: f.riskClass! })} done={reload}>
        <label>
          {t('admin.name')}
          <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('admin.customsCode')}
          <input name="customsCode" required pattern="[0-9A-Za-z]{10}" title={t('admin.customsCodeHint')} />
        </label>
        <label>
          {t('admin.riskClass')}
          <select name="riskClass" defaultValue="B">
            <Options items={RISK_CLASSES} label={(r) => t(`risk.${r}`)} />
          </select>
        </label>
      </CreateForm>
    </section>
  );
}

function Users({ enterprises }: { enterprises: Enterprise[] }) {
  const { t } = useI18n();
  const users = useLoad(() => api.users(), []);
  const ports = useLoad(() => api.ports(), []);
  const nameOf = (id: string | null) => enterprises.find((e) => e.id === id)?.name ?? ports.data?.find((p) => p.id === id)?.name ?? '—';
  return (
    <section>
      <ErrorBanner error={users.error ?? ports.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('auth.username')}</th>
            <th>{t('admin.name')}</th>
            <th>{t('admin.role')}</th>
            <th>{t('admin.belongsTo')}</th>
            <th>{t('common.language')}</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>{t(`role.${u.role}`)}</td>
              <td>{nameOf(u.enterpriseId ?? u.portId)}</td>
              <td>{LOCALE_NAMES[u.locale as keyof typeof LOCALE_NAMES] ?? u.locale}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateForm
        title="admin.newUser"
        submit={(f) => api.createUser({ username: f.username, displayName: f.displayName, password: f.password, role: f.role, enterpriseId: f.enterpriseId || null, portId: f.portId || null, locale: f.locale })}
        done={users.reload}
      >
        <label>
          {t('auth.username')}
          <input name="username" required pattern="[A-Za-z0-9_.@\-]{3,64}" />
        </label>
        <label>
          {t('admin.name')}
          <input name="displayName" required maxLength={200} />
        </label>
        <label>
          {t('auth.password')}
          <input name="password" type="password" required minLength={10} autoComplete="new-password" />
        </label>
        <label>
          {t('admin.role')}
          <select name="role" defaultValue="enterprise_user">
            <Options items={ROLES} label={(r) => t(`role.${r}`)} />
          </select>
        </label>
        <EnterpriseSelect enterprises={enterprises} optional />
        <label>
          {t('admin.port')}
          <select name="portId" defaultValue="">
            <option value="">{t('common.none')}</option>
            <Options items={ports.data} label={(p) => p.name} value={(p) => p.id} />
          </select>
        </label>
        <label>
          {t('common.language')}
          <select name="locale" defaultValue="zh-CN">
            <Options items={LOCALES} label={(l) => LOCALE_NAMES[l]} />
          </select>
        </label>
      </CreateForm>
    </section>
  );
}

function Delegations({ enterprises }: { enterprises: Enterprise[] }) {
  const { t, dateTime } = useI18n();
  const delegations = useLoad(() => api.delegations(), []);
  const users = useLoad(() => api.users(), []);
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <ErrorBanner error={error ?? delegations.error ?? users.error} onClose={() => setError(null)} />
      {delegations.data?.length === 0 && <Empty>{t('admin.noDelegations')}</Empty>}
      <table className="table">
        <thead>
          <tr>
            <th>{t('role.broker')}</th>
            <th>{t('booking.enterprise')}</th>
            <th>{t('booking.status')}</th>
            <th><span /></th>
          </tr>
        </thead>
        <tbody>
          {delegations.data?.map((d) => (
            <tr key={`${d.brokerId}:${d.enterpriseId}`} className={d.revokedAt ? 'muted' : undefined}>
              <td>{d.brokerName}</td>
              <td>{d.enterpriseName}</td>
              <td>{d.revokedAt ? t('admin.revokedAt', { at: dateTime(d.revokedAt) }) : t('admin.grantedAt', { at: dateTime(d.grantedAt) })}</td>
              <td>
                {!d.revokedAt && (
                  <ActionButton className="secondary danger" action={() => api.revokeDelegation({ brokerId: d.brokerId, enterpriseId: d.enterpriseId }).then(delegations.reload)} onError={setError}>
                    {t('admin.revoke')}
                  </ActionButton>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateForm title="admin.newDelegation" submit={(f) => api.grantDelegation({ brokerId: f.brokerId!, enterpriseId: f.enterpriseId! })} done={delegations.reload}>
        <label>
          {t('role.broker')}
          <select name="brokerId" required defaultValue="">
            <option value="">{t('common.choose')}</option>
            {users.data
              ?.filter((u) => u.role === 'broker')
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.displayName}
                </option>
              ))}
          </select>
        </label>
        <EnterpriseSelect enterprises={enterprises} />
      </CreateForm>
    </section>
  );
}

function Sites({ enterprises }: { enterprises: Enterprise[] }) {
  const { t } = useI18n();
  const sites = useLoad(() => api.sites(), []);
  return (
    <section>
      <ErrorBanner error={sites.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.name')}</th>
            <th>{t('admin.siteKind')}</th>
            <th>{t('booking.enterprise')}</th>
            <th>{t('admin.address')}</th>
          </tr>
        </thead>
        <tbody>
          {sites.data?.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td>{t(`siteKind.${s.kind}`)}</td>
              <td>{enterprises.find((e) => e.id === s.enterpriseId)?.name}</td>
              <td>{s.address}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateForm title="admin.newSite" submit={(f) => api.createSite({ enterpriseId: f.enterpriseId!, name: f.name!, kind: f.kind!, address: f.address ?? '' })} done={sites.reload}>
        <EnterpriseSelect enterprises={enterprises} />
        <label>
          {t('admin.name')}
          <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('admin.siteKind')}
          <select name="kind" defaultValue="farm">
            <Options items={SITE_KINDS} label={(k) => t(`siteKind.${k}`)} />
          </select>
        </label>
        <label>
          {t('admin.address')}
          <input name="address" maxLength={500} />
        </label>
      </CreateForm>
    </section>
  );
}

function Cameras() {
  const { t } = useI18n();
  const sites = useLoad(() => api.sites(), []);
  const cameras = useLoad(() => api.cameras(), []);
  const [preview, setPreview] = useState<Camera | null>(null);
  return (
    <section>
      <ErrorBanner error={cameras.error ?? sites.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.name')}</th>
            <th>{t('admin.site')}</th>
            <th>{t('admin.sourceUrl')}</th>
            <th>{t('admin.analysis')}</th>
            <th><span /></th>
          </tr>
        </thead>
        <tbody>
          {cameras.data?.map((c) => (
            <tr key={c.id}>
              <td>{c.name}</td>
              <td>{sites.data?.find((s) => s.id === c.siteId)?.name}</td>
              <td>
                <code>{c.sourceUrl}</code>
              </td>
              <td>{c.analysis.map((a) => t(`task.${a as (typeof VISION_TASKS)[number]}`)).join(', ') || '—'}</td>
              <td>
                <button className="secondary" onClick={() => setPreview(c)} data-testid="camera-preview">
                  {t('admin.testCamera')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateForm
        title="admin.newCamera"
        submit={(f, all) => api.createCamera({ siteId: f.siteId!, name: f.name!, sourceUrl: f.sourceUrl!, analysis: all.getAll('analysis').map(String) })}
        done={cameras.reload}
      >
        <label>
          {t('admin.site')}
          <select name="siteId" required defaultValue="">
            <option value="">{t('common.choose')}</option>
            <Options items={sites.data} label={(s) => s.name} value={(s) => s.id} />
          </select>
        </label>
        <label>
          {t('admin.name')}
          <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('admin.sourceUrl')}
          <input name="sourceUrl" required placeholder="rtsp://192.0.2.10/stream1" />
        </label>
        <fieldset>
          <legend>{t('admin.analysis')}</legend>
          {VISION_TASKS.map((task) => (
            <label key={task} className="check">
              <input type="checkbox" name="analysis" value={task} /> {t(`task.${task}`)}
            </label>
          ))}
        </fieldset>
      </CreateForm>
      {preview && <CameraPreview camera={preview} onClose={() => setPreview(null)} />}
    </section>
  );
}

/** Asks the server for one frame from the camera; its failure (unreachable, busy) is shown as such. */
function CameraPreview({ camera, onClose }: { camera: Camera; onClose: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const image = useLoad(async () => URL.createObjectURL(await api.cameraPreview(camera.id)), [camera.id]);
  // The picture is held in memory until the dialog closes.
  useEffect(() => {
    const url = image.data;
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [image.data]);
  return (
    <Modal title={t('admin.previewOf', { name: camera.name })} onClose={onClose} wide>
      {image.loading ? <p className="muted">{t('admin.previewWaiting')}</p> : image.error ? <p className="banner banner-error">{errorText(image.error)}</p> : <img className="preview-still" src={image.data} alt={camera.name} data-testid="camera-still" />}
    </Modal>
  );
}

function Vehicles({ enterprises }: { enterprises: Enterprise[] }) {
  const { t } = useI18n();
  const vehicles = useLoad(() => api.vehicles(), []);
  return (
    <section>
      <ErrorBanner error={vehicles.error} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.plate')}</th>
            <th>{t('booking.enterprise')}</th>
            <th>{t('admin.description')}</th>
          </tr>
        </thead>
        <tbody>
          {vehicles.data?.map((v) => (
            <tr key={v.id}>
              <td className="plate">{v.plate}</td>
              <td>{enterprises.find((e) => e.id === v.enterpriseId)?.name}</td>
              <td>{v.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateForm title="admin.newVehicle" submit={(f) => api.createVehicle({ enterpriseId: f.enterpriseId!, plate: f.plate!, description: f.description || undefined })} done={vehicles.reload}>
        <EnterpriseSelect enterprises={enterprises} />
        <label>
          {t('admin.plate')}
          <input name="plate" required maxLength={20} placeholder="粤Z·A123港" />
        </label>
        <label>
          {t('admin.description')}
          <input name="description" maxLength={200} />
        </label>
      </CreateForm>
    </section>
  );
}
