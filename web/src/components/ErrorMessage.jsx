import { useI18n } from '../i18n/index.jsx';
import { errorText } from '../api/client.js';

/** An API error as a plain sentence in the user's language, with the request id for support. */
export default function ErrorMessage({ error, context }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <div className="alert alert--error" role="alert" data-testid="error">
      <p>{errorText(error, t, context)}</p>
      {error.requestId ? <p className="alert__ref">{t('error.requestId', { id: error.requestId })}</p> : null}
    </div>
  );
}
