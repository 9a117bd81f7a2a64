import { useI18n } from '../i18n/index.jsx';

export default function Disclaimer({ text }) {
  const { t } = useI18n();
  return (
    <p className="disclaimer" data-testid="disclaimer">
      {text || t('disclaimer.footer')}
    </p>
  );
}
