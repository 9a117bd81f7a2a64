// The 19 department slugs (docs: MISSION.md domain notes) and the clinic types of the clinic API.
export const DEPARTMENTS = [
  'internal_medicine', 'neurology', 'psychiatry', 'general_surgery', 'orthopedics', 'neurosurgery',
  'thoracic_surgery', 'plastic_surgery', 'anesthesiology', 'obstetrics_gynecology', 'pediatrics',
  'ophthalmology', 'otolaryngology', 'dermatology', 'urology', 'rehabilitation', 'family_medicine',
  'emergency_medicine', 'dentistry',
];
export const CLINIC_KINDS = ['tertiary', 'general', 'hospital', 'clinic', 'dental', 'oriental'];
