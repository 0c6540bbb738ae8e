-- What PostGraphile v5 needs to answer the benchmark's queries as grunndata does.
--
-- PostGraphile maps tables and views to GraphQL one to one. grunndata's tables are
-- bitemporal (every row has valid time `gyldig` and recorded time `registrert`), and
-- Folkeregisteret keeps each fact as JSON in `versjon.data`; so PostGraphile gets views
-- of what is valid now as registered now (what grunndata answers without time arguments),
-- smart tags for their keys and links (views have no constraints to introspect), and
-- computed columns giving PostGIS geometry as GeoJSON (PostGraphile v5 has no PostGIS
-- support). benchmarks/compare/ creates this schema and checks that both servers give
-- the same data for the same ids.

DROP SCHEMA IF EXISTS postgraphile CASCADE;
CREATE SCHEMA postgraphile;

-- A person's facts: the newest version of each element valid now, as grunndata's Person
-- picks it, one LATERAL subquery each (inlined by the planner, unlike an SQL function).
CREATE VIEW postgraphile.person AS
SELECT i.identifikasjonsnummer,
       navn.data ->> 'fornavn' AS fornavn,
       navn.data ->> 'mellomnavn' AS mellomnavn,
       navn.data ->> 'etternavn' AS etternavn,
       (foedsel.data ->> 'foedselsdato')::date AS foedselsdato
FROM folkeregister.identifikator i
LEFT JOIN LATERAL (
    SELECT v.data FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id
    WHERE f.person_id = i.person_id AND f.element = 'navn'
      AND f.gyldig @> now() AND upper_inf(f.registrert)
    ORDER BY lower(f.gyldig) DESC NULLS LAST, f.relasjon DESC, v.id DESC LIMIT 1) navn ON true
LEFT JOIN LATERAL (
    SELECT v.data FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id
    WHERE f.person_id = i.person_id AND f.element = 'foedsel'
      AND f.gyldig @> now() AND upper_inf(f.registrert)
    ORDER BY lower(f.gyldig) DESC NULLS LAST, f.relasjon DESC, v.id DESC LIMIT 1) foedsel ON true;
COMMENT ON VIEW postgraphile.person IS E'@primaryKey identifikasjonsnummer';

CREATE VIEW postgraphile.bostedsadresse AS
SELECT i.identifikasjonsnummer AS person_identifikasjonsnummer,
       b.data ->> 'adresseIdentifikatorFraMatrikkelen' AS adresse_identifikator_fra_matrikkelen,
       b.data -> 'vegadresse' ->> 'adressenavn' AS adressenavn,
       b.data -> 'vegadresse' -> 'adressenummer' ->> 'husnummer' AS husnummer,
       b.data -> 'vegadresse' -> 'adressenummer' ->> 'husbokstav' AS husbokstav,
       b.data -> 'vegadresse' ->> 'kommunenummer' AS kommunenummer,
       b.data -> 'vegadresse' -> 'poststed' ->> 'postnummer' AS postnummer,
       b.data -> 'vegadresse' -> 'poststed' ->> 'poststedsnavn' AS poststedsnavn
FROM folkeregister.identifikator i
JOIN LATERAL (
    SELECT v.data FROM folkeregister.fakta f JOIN folkeregister.versjon v ON v.id = f.versjon_id
    WHERE f.person_id = i.person_id AND f.element = 'bostedsadresse'
      AND f.gyldig @> now() AND upper_inf(f.registrert)
    ORDER BY lower(f.gyldig) DESC NULLS LAST, f.relasjon DESC, v.id DESC LIMIT 1) b ON true;
COMMENT ON VIEW postgraphile.bostedsadresse IS E'@primaryKey person_identifikasjonsnummer\n@foreignKey (person_identifikasjonsnummer) references postgraphile.person (identifikasjonsnummer)|@fieldName person|@foreignFieldName bostedsadresse';

CREATE VIEW postgraphile.eiendom AS
SELECT m.matrikkelnummer, m.kommunenummer, m.gardsnummer, m.bruksnummer, m.festenummer,
       m.seksjonsnummer, m.matrikkelenhetstype AS type, m.status, m.bruksnavn
FROM matrikkel.matrikkelenhet m
WHERE m.gyldig @> now() AND upper_inf(m.registrert);
COMMENT ON VIEW postgraphile.eiendom IS E'@primaryKey matrikkelnummer';

-- All its teiger as one (Multi)Polygon, GeoJSON in EPSG:4326 (grunndata's Eiendom.geometri).
CREATE FUNCTION postgraphile.eiendom_geometri(e postgraphile.eiendom) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT ST_AsGeoJSON(ST_Transform(ST_Multi(ST_Union(t.geometri)), 4326), 9, 0)::json
    FROM matrikkel.teig t
    WHERE t.matrikkelnummer = e.matrikkelnummer AND t.gyldig @> now() AND upper_inf(t.registrert)
$$;

-- True (ellipsoidal) area of its teiger in square metres (grunndata's Eiendom.arealM2).
CREATE FUNCTION postgraphile.eiendom_areal_m2(e postgraphile.eiendom) RETURNS float8
LANGUAGE sql STABLE AS $$
    SELECT sum(ST_Area(ST_Transform(t.geometri, 4326)::geography))
    FROM matrikkel.teig t
    WHERE t.matrikkelnummer = e.matrikkelnummer AND t.gyldig @> now() AND upper_inf(t.registrert)
$$;

CREATE VIEW postgraphile.hjemmelshaver AS
SELECT e.matrikkelnummer, e.andel_teller, e.andel_nevner, e.navn, e.identifikasjonsnummer,
       e.organisasjonsnummer
FROM matrikkel.eierforhold e
WHERE e.gyldig @> now() AND upper_inf(e.registrert);
COMMENT ON VIEW postgraphile.hjemmelshaver IS E'@foreignKey (matrikkelnummer) references postgraphile.eiendom (matrikkelnummer)|@fieldName eiendom|@foreignFieldName hjemmelshavere\n@foreignKey (identifikasjonsnummer) references postgraphile.person (identifikasjonsnummer)|@fieldName person|@foreignFieldName eiendommer';

CREATE VIEW postgraphile.adresse AS
SELECT a.adresse_id, a.adressetype, a.adressenavn, a.nummer, a.bokstav, a.adressetekst,
       a.postnummer, a.poststed, a.kommunenummer, a.matrikkelnummer
FROM matrikkel.adresse a
WHERE a.gyldig @> now() AND upper_inf(a.registrert);
COMMENT ON VIEW postgraphile.adresse IS E'@primaryKey adresse_id\n@foreignKey (matrikkelnummer) references postgraphile.eiendom (matrikkelnummer)|@fieldName eiendom|@foreignFieldName adresser';

-- Enhetsregisteret's units valid now, not withdrawn from open data (as grunndata's
-- `shown`). `kommunenummer` is the expression grunndata's search filters on, and the view
-- keeps to the present rows (`upper_inf(gyldig)`), as grunndata's search does, so that
-- PostgreSQL can use the same partial indexes for PostGraphile's `condition`.
CREATE VIEW postgraphile.enhet AS
SELECT e.organisasjonsnummer, e.navn, e.er_underenhet, e.organisasjonsform_kode,
       e.naeringskode1_kode, e.naeringskode1_beskrivelse, e.forretningsadresse,
       e.beliggenhetsadresse, e.overordnet_enhet, e.forretningsadresse_form,
       coalesce(e.forretningsadresse, e.beliggenhetsadresse) ->> 'kommunenummer' AS kommunenummer
FROM enhetsregister.enhet e
WHERE e.gyldig @> now() AND upper_inf(e.registrert) AND upper_inf(e.gyldig)
  AND NOT EXISTS (SELECT 1 FROM enhetsregister.fjernet f
                  WHERE f.organisasjonsnummer = e.organisasjonsnummer AND f.opphevet IS NULL);
-- The one current Matrikkel address with a postal form (none where several share it), as
-- grunndata's `EnhetAdresse.adresseIMatrikkelen` matches a unit's address.
CREATE VIEW postgraphile.adresse_ved_form AS
SELECT a.postadresse_form, a.adresse_id, a.adressetekst, a.matrikkelnummer
FROM matrikkel.adresse a
WHERE a.gyldig @> now() AND upper_inf(a.registrert)
  AND NOT EXISTS (SELECT 1 FROM matrikkel.adresse b
                  WHERE b.postadresse_form = a.postadresse_form AND b.adresse_id <> a.adresse_id
                    AND b.gyldig @> now() AND upper_inf(b.registrert));
COMMENT ON VIEW postgraphile.adresse_ved_form IS E'@primaryKey postadresse_form\n@foreignKey (matrikkelnummer) references postgraphile.eiendom (matrikkelnummer)|@fieldName eiendom|@foreignFieldName adresserVedForm';
COMMENT ON VIEW postgraphile.enhet IS E'@primaryKey organisasjonsnummer\n@foreignKey (overordnet_enhet) references postgraphile.enhet (organisasjonsnummer)|@fieldName overordnetEnhet|@foreignFieldName underenheter\n@foreignKey (forretningsadresse_form) references postgraphile.adresse_ved_form (postadresse_form)|@fieldName adresseIMatrikkelen|@foreignFieldName enheter';

-- A unit's roles valid now; the holder's name as grunndata's `Rolleinnehaver.navn`.
CREATE VIEW postgraphile.rolle AS
SELECT r.organisasjonsnummer, r.rollegruppe_kode, r.rolletype_kode, r.rekkefolge, r.fratraadt,
       r.person_fodselsnummer, r.enhet_organisasjonsnummer,
       coalesce(nullif(concat_ws(' ', nullif(r.person_fornavn, ''), nullif(r.person_mellomnavn, ''),
                                 nullif(r.person_etternavn, '')), ''),
                nullif(r.enhet_navn, ''), '') AS navn
FROM enhetsregister.rolle r
WHERE r.gyldig @> now() AND upper_inf(r.registrert)
  AND NOT EXISTS (SELECT 1 FROM enhetsregister.fjernet f
                  WHERE f.organisasjonsnummer = r.organisasjonsnummer AND f.opphevet IS NULL);
COMMENT ON VIEW postgraphile.rolle IS E'@foreignKey (organisasjonsnummer) references postgraphile.enhet (organisasjonsnummer)|@fieldName enhet|@foreignFieldName roller\n@foreignKey (person_fodselsnummer) references postgraphile.person (identifikasjonsnummer)|@fieldName person|@foreignFieldName roller';
