// The 19 department slugs (docs: MISSION.md domain notes) and the clinic types of the clinic API.
export const DEPARTMENTS = [
  'internal_medicine', 'neurology', 'psychiatry', 'general_surgery', 'orthopedics', 'neurosurgery',
  'thoracic_surgery', 'plastic_surgery', 'anesthesiology', 'obstetrics_gynecology', 'pediatrics',
  'ophthalmology', 'otolaryngology', 'dermatology', 'urology', 'rehabilitation', 'family_medicine',
  'emergency_medicine', 'dentistry',
];
export const CLINIC_KINDS = ['tertiary', 'general', 'hospital', 'clinic', 'dental', 'oriental'];

// Emergency-room levels of the national ER list (dutyEmclsName) → i18n keys.
export const CENTER_LEVELS = {
  권역응급의료센터: 'center.regional',
  지역응급의료센터: 'center.local_center',
  지역응급의료기관: 'center.local_institution',
  응급의료기관외: 'center.other',
};
