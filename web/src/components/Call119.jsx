import { useI18n } from '../i18n/index.jsx';
import { Phone } from './Icons.jsx';

/** The tap-to-call 119 link (tel:119), big or compact. */
export default function Call119({ big = false, label }) {
  const { t } = useI18n();
  return (
    <a className={big ? 'call119 call119--big' : 'call119'} href="tel:119" data-testid="call-119">
      <Phone /> {label || t('call119.button')}
    </a>
  );
}
