package voice

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/media/audio"
)

// RecordingPrefix is Twilio's SID prefix for recordings.
const RecordingPrefix = "RE"

var recordingSID = regexp.MustCompile(`^RE[0-9a-f]{32}$`)

// RecordingStore keeps recordings as 8 kHz 16-bit WAV files in a directory;
// their URLs are the API's (GET …/Recordings/{Sid}.wav, with credentials).
type RecordingStore struct {
	Dir     string
	BaseURL func() string // e.g. http://127.0.0.1:8080
	Account string
}

// Path returns a recording's file, or "" for a SID that is not one.
func (s *RecordingStore) Path(sid string) string {
	if !recordingSID.MatchString(sid) {
		return ""
	}
	return filepath.Join(s.Dir, sid+".wav")
}

// Create opens a new recording.
func (s *RecordingStore) Create(callSID string, channels int) (Recording, error) {
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("voice: recordings: %w", err)
	}
	id := sid.New(RecordingPrefix)
	w, err := audio.Create(s.Path(id), channels)
	if err != nil {
		return nil, fmt.Errorf("voice: recording %s: %w", id, err)
	}
	return &fileRecording{w: w, sid: id, path: s.Path(id),
		url: s.BaseURL() + "/2010-04-01/Accounts/" + s.Account + "/Recordings/" + id}, nil
}

type fileRecording struct {
	w         *audio.Writer
	sid, path string
	url       string
}

func (r *fileRecording) Write(pcm []int16) error { return r.w.Write(pcm) }
func (r *fileRecording) WriteStereo(left, right []int16) error {
	return r.w.WriteStereo(left, right)
}
func (r *fileRecording) SID() string { return r.sid }
func (r *fileRecording) URL() string { return r.url }

func (r *fileRecording) Close(keep bool) error {
	err := r.w.Close()
	if !keep {
		if rerr := os.Remove(r.path); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}
