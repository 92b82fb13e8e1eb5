package tts

import (
	"bufio"
	"strconv"
	"strings"
)

// Voice is what a Say request resolves to on an installed engine.
type Voice struct {
	Engine   string // "espeak-ng" or "flite"
	Name     string // engine voice argument: "en-us+f3", "slt", …
	Language string // resolved language tag (lower case), e.g. "en-us"
	Female   bool
	// Note explains a fallback ("language xx-YY not installed, using en-us"),
	// empty when the request mapped exactly.
	Note string
}

// espeakVoices is the parsed output of `espeak-ng --voices`: language tag →
// (voice language to pass to -v, priority; lower is preferred).
type espeakVoices struct {
	langs    map[string]voiceChoice
	variants map[string]bool // "f3", "m3", …
}

type voiceChoice struct {
	name string
	pty  int
}

// parseEspeakVoices reads `espeak-ng --voices` (columns: Pty Language
// Age/Gender VoiceName File Other-Languages, the last as "(en 3)(zh 5)").
// Each voice is registered under its own language and its other languages.
func parseEspeakVoices(out string) map[string]voiceChoice {
	langs := map[string]voiceChoice{}
	add := func(tag, name string, pty int) {
		tag = strings.ToLower(tag)
		if c, ok := langs[tag]; !ok || pty < c.pty {
			langs[tag] = voiceChoice{name: name, pty: pty}
		}
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || f[0] == "Pty" {
			continue
		}
		pty, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		name := strings.ToLower(f[1])
		add(name, name, 0) // a voice is the best choice for its own tag
		// Other languages: "(en 3)(zh-cmn 5)", split across fields.
		for _, part := range strings.Split(strings.Join(f[5:], " "), ")") {
			g := strings.Fields(strings.TrimPrefix(strings.TrimSpace(part), "("))
			if len(g) != 2 {
				continue
			}
			if p, err := strconv.Atoi(g[1]); err == nil {
				add(g[0], name, p+pty)
			}
		}
	}
	return langs
}

// parseVariants reads `espeak-ng --voices=variant`, keeping file names
// such as "f3" from "!v/f3".
func parseVariants(out string) map[string]bool {
	v := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for _, x := range f {
			if strings.HasPrefix(x, "!v/") {
				v[strings.ToLower(strings.TrimPrefix(x, "!v/"))] = true
			}
		}
	}
	return v
}

// languageAliases maps Twilio/BCP-47 tags to espeak-ng language tags where
// the base language alone would pick a worse voice.
var languageAliases = map[string]string{
	"es-mx": "es-419", "es-us": "es-419", "es-ar": "es-419", "es-co": "es-419", "es-cl": "es-419", "es-419": "es-419",
	"fr-ca": "fr-fr", "fr": "fr-fr",
	"pt-pt": "pt", "pt-br": "pt-br",
	"zh-cn": "cmn", "zh": "cmn", "cmn-cn": "cmn", "zh-tw": "cmn", "cmn-tw": "cmn", "zh-hk": "yue", "yue-hk": "yue",
	"nb-no": "nb", "no-no": "nb", "da-dk": "da", "sv-se": "sv", "fi-fi": "fi", "ja-jp": "ja", "ko-kr": "ko",
	"en-au": "en-gb", "en-in": "en-gb", "en-nz": "en-gb", "en-ie": "en-gb", "en-za": "en-gb", "en-ca": "en-us",
	"cy-gb": "cy", "de-at": "de", "de-ch": "de", "it-it": "it", "nl-nl": "nl", "nl-be": "nl", "pl-pl": "pl",
	"ru-ru": "ru", "tr-tr": "tr", "ar-ae": "ar", "hi-in": "hi", "is-is": "is", "ro-ro": "ro", "ca-es": "ca",
}

// pollyVoices: Amazon Polly voices Twilio offers (Polly.Name or
// Polly.Name-Neural) → language and gender.
var pollyVoices = map[string]struct {
	lang   string
	female bool
}{
	"joanna": {"en-US", true}, "salli": {"en-US", true}, "kimberly": {"en-US", true}, "kendra": {"en-US", true},
	"ivy": {"en-US", true}, "ruth": {"en-US", true}, "danielle": {"en-US", true},
	"matthew": {"en-US", false}, "joey": {"en-US", false}, "justin": {"en-US", false}, "kevin": {"en-US", false}, "stephen": {"en-US", false},
	"amy": {"en-GB", true}, "emma": {"en-GB", true}, "brian": {"en-GB", false}, "arthur": {"en-GB", false},
	"nicole": {"en-AU", true}, "olivia": {"en-AU", true}, "russell": {"en-AU", false},
	"raveena": {"en-IN", true}, "aditi": {"en-IN", true}, "geraint": {"en-GB", false},
	"conchita": {"es-ES", true}, "lucia": {"es-ES", true}, "enrique": {"es-ES", false}, "sergio": {"es-ES", false},
	"mia": {"es-MX", true}, "andres": {"es-MX", false}, "penelope": {"es-US", true}, "lupe": {"es-US", true}, "miguel": {"es-US", false}, "pedro": {"es-US", false},
	"celine": {"fr-FR", true}, "léa": {"fr-FR", true}, "lea": {"fr-FR", true}, "mathieu": {"fr-FR", false}, "remi": {"fr-FR", false},
	"chantal": {"fr-CA", true}, "gabrielle": {"fr-CA", true}, "liam": {"fr-CA", false},
	"marlene": {"de-DE", true}, "vicki": {"de-DE", true}, "hans": {"de-DE", false}, "daniel": {"de-DE", false},
	"carla": {"it-IT", true}, "bianca": {"it-IT", true}, "giorgio": {"it-IT", false}, "adriano": {"it-IT", false},
	"ines": {"pt-PT", true}, "inês": {"pt-PT", true}, "cristiano": {"pt-PT", false},
	"camila": {"pt-BR", true}, "vitoria": {"pt-BR", true}, "vitória": {"pt-BR", true}, "ricardo": {"pt-BR", false}, "thiago": {"pt-BR", false},
	"lotte": {"nl-NL", true}, "laura": {"nl-NL", true}, "ruben": {"nl-NL", false},
	"mizuki": {"ja-JP", true}, "takumi": {"ja-JP", false}, "seoyeon": {"ko-KR", true}, "zhiyu": {"cmn-CN", true},
	"tatyana": {"ru-RU", true}, "maxim": {"ru-RU", false}, "ewa": {"pl-PL", true}, "maja": {"pl-PL", true}, "jacek": {"pl-PL", false}, "jan": {"pl-PL", false},
	"astrid": {"sv-SE", true}, "naja": {"da-DK", true}, "mads": {"da-DK", false}, "liv": {"nb-NO", true},
	"filiz": {"tr-TR", true}, "carmen": {"ro-RO", true}, "zeina": {"arb", true}, "dora": {"is-IS", true}, "karl": {"is-IS", false}, "gwyneth": {"cy-GB", true},
}

// sayVoice interprets Twilio's voice attribute: gender and, for Polly and
// Google voices, the language they imply.
func sayVoice(voice string) (female bool, lang string, known bool) {
	v := strings.TrimSpace(voice)
	lv := strings.ToLower(v)
	switch lv {
	case "", "man", "male", "default":
		return false, "", true
	case "woman", "female", "alice":
		return true, "", true
	}
	switch {
	case strings.HasPrefix(lv, "polly."):
		name := strings.TrimPrefix(lv, "polly.")
		name = strings.TrimSuffix(strings.TrimSuffix(name, "-neural"), "-generative")
		if p, ok := pollyVoices[name]; ok {
			return p.female, p.lang, true
		}
		return false, "", false
	case strings.HasPrefix(lv, "google."):
		// Google.en-US-Standard-C, Google.fr-FR-Neural2-A, Google.en-US-Chirp3-HD-Aoede
		parts := strings.Split(strings.TrimPrefix(v, "Google."), "-")
		if len(parts) >= 2 {
			return false, parts[0] + "-" + parts[1], true
		}
	}
	return false, "", false
}
