import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import { VISION_TASKS, type Camera } from '../../api/types.ts';
import { ActionButton, ErrorBanner, Modal, Options, useErrorText, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, RowActions } from './admin-forms.tsx';
import { ZoneEditor } from './ZoneEditor.tsx';
import { describeSchedule, ScheduleEditor, useDayNames } from './ScheduleEditor.tsx';
import { DEFAULT_TIME_ZONE } from '../../../../server/contracts/schedule.ts';

const RECORDING_MODES = ['off', 'continuous', 'events'] as const;
type RecordingMode = (typeof RECORDING_MODES)[number];

export function CamerasTab() {
  const { t } = useI18n();
  const sites = useLoad(() => api.sites(), []);
  const cameras = useLoad(() => api.cameras(), []);
  const ports = useLoad(() => api.ports(), []);
  const dayNames = useDayNames();
  const [scheduleOf, setScheduleOf] = useState<Camera | null>(null);
  /** The time zone a camera's schedule is read in: its farm's port's. */
  const timeZoneOf = (camera: Camera) => {
    const portId = sites.data?.find((s) => s.id === camera.siteId)?.portId;
    return ports.data?.find((p) => p.id === portId)?.timeZone ?? DEFAULT_TIME_ZONE;
  };
  const [preview, setPreview] = useState<{ camera: Camera; input: 'main' | 'sub' } | null>(null);
  const [zonesOf, setZonesOf] = useState<Camera | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <ErrorBanner error={error ?? cameras.error ?? sites.error ?? ports.error} onClose={() => setError(null)} />
      <AdminTable
        rows={cameras.data}
        rowKey={(c) => c.id}
        rowClassName={(c) => (c.enabled ? undefined : 'disabled')}
        columns={[
          { title: 'admin.name', cell: (c) => c.name },
          { title: 'admin.site', cell: (c) => sites.data?.find((s) => s.id === c.siteId)?.name },
          {
            title: 'admin.sourceUrl',
            cell: (c) => (
              <>
                <code>{c.sourceUrl}</code>
                {c.subSourceUrl && (
                  <div className="muted small">
                    {t('admin.subStream')}: <code>{c.subSourceUrl}</code>
                  </div>
                )}
                {c.sourceUrl.startsWith('rtsp') && <div className="muted small">{t(`admin.rtsp.${c.rtspTransport}`)}</div>}
              </>
            ),
          },
          { title: 'admin.analysis', cell: (c) => c.analysis.map((a) => t(`task.${a as (typeof VISION_TASKS)[number]}`)).join(', ') || '—' },
          { title: 'admin.state', cell: (c) => (c.enabled ? t('admin.enabled') : t('admin.disabled')) },
          {
            title: 'admin.supervision',
            cell: (c) =>
              c.supervision ? (
                <>
                  {t('admin.supervisionOn')} · {t(`admin.recording.${c.recording}`)}
                  <div className="muted small" data-testid="camera-schedule">
                    {t('admin.schedule')}: {describeSchedule(c.schedule, dayNames) ?? t('admin.scheduleAlways')}
                  </div>
                </>
              ) : (
                '—'
              ),
          },
          {
            cell: (c) => (
              <RowActions name={c.name} rename={(name) => api.updateEntity('cameras', c.id, { name })} remove={() => api.deleteEntity('cameras', c.id)} done={cameras.reload} onError={setError}>
                <button type="button" className="secondary" onClick={() => setPreview({ camera: c, input: 'main' })} data-testid="camera-preview">
                  {t('admin.testCamera')}
                </button>
                <button type="button" className="secondary" onClick={() => setZonesOf(c)} data-testid="camera-zones">
                  {t('zones.edit')}
                </button>
                <button type="button" className="secondary" onClick={() => setScheduleOf(c)} data-testid="camera-schedule-edit">
                  {t('schedule.edit')}
                </button>
                {c.subSourceUrl && (
                  <button type="button" className="secondary" onClick={() => setPreview({ camera: c, input: 'sub' })} data-testid="camera-preview-sub">
                    {t('admin.testSubStream')}
                  </button>
                )}
                <ActionButton className="secondary" data-action="toggle" action={() => api.updateEntity('cameras', c.id, { enabled: !c.enabled }).then(cameras.reload)} onError={setError}>
                  {c.enabled ? t('admin.disable') : t('admin.enable')}
                </ActionButton>
                <ActionButton className="secondary" data-action="supervision" action={() => api.updateEntity('cameras', c.id, { supervision: !c.supervision }).then(cameras.reload)} onError={setError}>
                  {c.supervision ? t('admin.stopSupervision') : t('admin.startSupervision')}
                </ActionButton>
                <ActionButton className="secondary" data-action="live-view" action={() => api.updateEntity('cameras', c.id, { liveView: !c.liveView }).then(cameras.reload)} onError={setError}>
                  {c.liveView ? t('admin.liveViewOff') : t('admin.liveViewOn')}
                </ActionButton>
                <select
                  aria-label={t('admin.recordingMode')}
                  data-action="recording"
                  value={c.recording}
                  onChange={(e) =>
                    void api
                      .updateEntity('cameras', c.id, { recording: e.target.value as RecordingMode })
                      .then(cameras.reload)
                      .catch(setError)
                  }
                >
                  {RECORDING_MODES.map((m) => (
                    <option key={m} value={m}>
                      {t(`admin.recording.${m}`)}
                    </option>
                  ))}
                </select>
              </RowActions>
            ),
          },
        ]}
      />
      <CreateForm
        title="admin.newCamera"
        submit={(f, all) =>
          api.createCamera({
            siteId: f.siteId!,
            name: f.name!,
            sourceUrl: f.sourceUrl!,
            subSourceUrl: f.subSourceUrl?.trim() || null,
            rtspTransport: f.rtspTransport === 'udp' ? 'udp' : 'tcp',
            analysis: all.getAll('analysis').map(String),
            supervision: all.has('supervision'),
            recording: (f.recording as RecordingMode | undefined) ?? 'off',
          })
        }
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
        <label>
          {t('admin.subSourceUrl')}
          <input name="subSourceUrl" placeholder="rtsp://192.0.2.10/stream2" />
          <span className="muted small">{t('admin.subSourceHint')}</span>
        </label>
        <label>
          {t('admin.rtspTransport')}
          <select name="rtspTransport" defaultValue="tcp">
            <option value="tcp">{t('admin.rtsp.tcp')}</option>
            <option value="udp">{t('admin.rtsp.udp')}</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" name="supervision" value="on" /> {t('admin.supervisionHint')}
        </label>
        <label>
          {t('admin.recordingMode')}
          <select name="recording" defaultValue="off">
            {RECORDING_MODES.map((m) => (
              <option key={m} value={m}>
                {t(`admin.recording.${m}`)}
              </option>
            ))}
          </select>
          <span className="muted small">{t('admin.recordingHint')}</span>
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
      {zonesOf && <ZoneEditor camera={zonesOf} onClose={() => setZonesOf(null)} />}
      {scheduleOf && <ScheduleEditor camera={scheduleOf} timeZone={timeZoneOf(scheduleOf)} onClose={() => setScheduleOf(null)} onSaved={cameras.reload} />}
      {preview && <CameraPreview camera={preview.camera} input={preview.input} onClose={() => setPreview(null)} />}
    </section>
  );
}

/** Asks the server for one frame from the camera; its failure (unreachable, busy) is shown as such. */
function CameraPreview({ camera, input, onClose }: { camera: Camera; input: 'main' | 'sub'; onClose: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const image = useLoad(async () => URL.createObjectURL(await api.cameraPreview(camera.id, input)), [camera.id, input]);
  // The picture is held in memory until the dialog closes.
  useEffect(() => {
    const url = image.data;
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [image.data]);
  return (
    <Modal title={t('admin.previewOf', { name: input === 'sub' ? `${camera.name} · ${t('admin.subStream')}` : camera.name })} onClose={onClose} wide>
      {image.loading ? (
        <p className="muted">{t('admin.previewWaiting')}</p>
      ) : image.error ? (
        <p className="banner banner-error">{errorText(image.error)}</p>
      ) : (
        <img className="preview-still" src={image.data} alt={camera.name} data-testid="camera-still" />
      )}
    </Modal>
  );
}
