/** The pieces every administration tab shares: its list as a table and its create form. */
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Enterprise } from '../../api/types.ts';
import { ActionButton, ErrorBanner, Options } from '../../components/common.tsx';
import { useI18n, type MessageKey } from '../../i18n/index.tsx';

/** One column of an AdminTable: its heading and what each row shows in it. */
export interface AdminColumn<T> {
  /** The heading; a column without one (its buttons) gets an empty heading cell. */
  title?: MessageKey;
  cell: (row: T) => ReactNode;
  className?: string;
}

/** A tab's list: one heading per column, one row per item (none while the items are loading). */
export function AdminTable<T>({
  columns,
  rows,
  rowKey,
  rowClassName,
}: {
  columns: AdminColumn<T>[];
  rows: readonly T[] | undefined;
  rowKey: (row: T) => string;
  rowClassName?: (row: T) => string | undefined;
}) {
  const { t } = useI18n();
  return (
    <table className="table">
      <thead>
        <tr>
          {columns.map((column, i) => (
            <th key={i}>{column.title ? t(column.title) : <span />}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows?.map((row) => (
          <tr key={rowKey(row)} className={rowClassName?.(row)}>
            {columns.map((column, i) => (
              <td key={i} className={column.className}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A create form: runs `submit` with the form's fields, shows its error, resets and calls `done` on success. */
export function CreateForm({
  title,
  submit,
  done,
  children,
}: {
  title: MessageKey;
  submit: (fields: Record<string, string>, all: FormData) => Promise<unknown>;
  done: () => void;
  children: ReactNode;
}) {
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

export function EnterpriseSelect({ enterprises, name = 'enterpriseId', optional }: { enterprises: Enterprise[]; name?: string; optional?: boolean }) {
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

/**
 * A row's rename and delete (and any other buttons given as children): the name is edited in place, a
 * delete is confirmed first; failures go to the tab's banner through onError.
 */
export function RowActions({
  name,
  rename,
  remove,
  done,
  onError,
  children,
}: {
  name: string;
  rename?: (name: string) => Promise<unknown>;
  remove?: () => Promise<unknown>;
  done: () => void;
  onError: (err: unknown) => void;
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const [editing, setEditing] = useState<string | null>(null);
  if (rename && editing !== null) {
    return (
      <form
        className="row-edit"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await rename(editing.trim());
            setEditing(null);
            done();
          } catch (err) {
            onError(err);
          }
        }}
      >
        <input name="rename" value={editing} onChange={(e) => setEditing(e.target.value)} required maxLength={200} aria-label={t('admin.name')} autoFocus />
        <button type="submit">{t('common.save')}</button>
        <button type="button" className="secondary" onClick={() => setEditing(null)}>
          {t('common.cancel')}
        </button>
      </form>
    );
  }
  return (
    <div className="row-actions">
      {children}
      {rename && (
        <button type="button" className="secondary" data-action="rename" onClick={() => setEditing(name)}>
          {t('admin.rename')}
        </button>
      )}
      {remove && (
        <ActionButton
          className="secondary danger"
          data-action="delete"
          action={async () => {
            if (!window.confirm(t('admin.confirmDelete', { name }))) return;
            await remove();
            done();
          }}
          onError={onError}
        >
          {t('admin.delete')}
        </ActionButton>
      )}
    </div>
  );
}
