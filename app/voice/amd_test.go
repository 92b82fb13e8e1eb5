package voice

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/media/tts"
	"github.com/switchboard/switchboard/sip/siptest"
)

// Greetings the AMD tests speak with espeak-ng.
const (
	machineGreeting = "Hi, you have reached the voicemail of Alex Morgan at Northwind Traders. I cannot take your call right now. Please leave your name, your number and a short message after the tone, and I will call you back as soon as I can."
	humanHello      = "Hello?"
)

// speak synthesises text as 8 kHz PCM (espeak-ng).
func speak(t *testing.T, text string) []int16 {
	t.Helper()
	siptest.RequireTool(t, "espeak-ng", "espeak-ng")
	s, err := tts.New(tts.Options{})
	require.NoError(t, err)
	pcm, err := s.Synthesize(context.Background(), tts.Request{Text: text})
	require.NoError(t, err)
	return pcm
}

func silence(d time.Duration) []int16 { return make([]int16, int(d/time.Millisecond)*8) }

// beepTone is d of a 1 kHz tone at -10 dBFS, a voicemail beep.
func beepTone(d time.Duration) []int16 {
	n := int(d/time.Millisecond) * 8
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(0.316 * 32767 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}
	return out
}

func cat(parts ...[]int16) []int16 {
	var out []int16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestAMD: espeak speech and synthesised silence and beeps, fed 20 ms at a
// time as the call delivers them: a long greeting is a machine (at once, or
// at its end with DetectMessageEnd: beep or silence), a short hello then
// silence is a person, silence is unknown.
func TestAMD(t *testing.T) {
	greeting, hello := speak(t, machineGreeting), speak(t, humanHello)
	t.Logf("greeting %d ms, hello %d ms", len(greeting)/8, len(hello)/8)
	tests := []struct {
		name      string
		pcm       []int16
		detectEnd bool
		timeout   time.Duration
		want      string
		within    [2]time.Duration // decision time bounds
	}{
		{"long greeting", cat(silence(300*time.Millisecond), greeting, silence(5*time.Second)), false, 0, AnsweredMachineStart,
			[2]time.Duration{2400 * time.Millisecond, 3500 * time.Millisecond}},
		{"short hello", cat(silence(300*time.Millisecond), hello, silence(5*time.Second)), false, 0, AnsweredHuman,
			[2]time.Duration{1200 * time.Millisecond, 3 * time.Second}},
		{"silence", silence(10 * time.Second), false, 0, AnsweredUnknown, [2]time.Duration{5 * time.Second, 5 * time.Second}},
		{"greeting then beep", cat(greeting, silence(400*time.Millisecond), beepTone(600*time.Millisecond), silence(5*time.Second)), true, 0,
			AnsweredMachineEndBeep, [2]time.Duration{time.Duration(len(greeting)/8) * time.Millisecond, time.Duration(len(greeting)/8+1000) * time.Millisecond}},
		{"greeting then silence", cat(greeting, silence(5*time.Second)), true, 0, AnsweredMachineEndSilence,
			[2]time.Duration{time.Duration(len(greeting)/8+700) * time.Millisecond, time.Duration(len(greeting)/8+1500) * time.Millisecond}},
		{"greeting longer than the timeout", cat(greeting, greeting), true, 4 * time.Second, AnsweredMachineEndOther,
			[2]time.Duration{4 * time.Second, 4 * time.Second}},
		{"beep alone is not speech in Enable mode", cat(beepTone(600*time.Millisecond), silence(5*time.Second)), false, 0, AnsweredHuman,
			[2]time.Duration{1800 * time.Millisecond, 1900 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAMD(tc.detectEnd, tc.timeout)
			var got string
			for i := 0; i+160 <= len(tc.pcm) && got == ""; i += 160 {
				got, _ = a.Feed(tc.pcm[i : i+160])
			}
			require.Equal(t, tc.want, got)
			require.GreaterOrEqual(t, a.Duration(), tc.within[0])
			require.LessOrEqual(t, a.Duration(), tc.within[1])
		})
	}
}

// TestAMDSpeechIsNoBeep: no frame run of espeak speech passes for a beep.
func TestAMDSpeechIsNoBeep(t *testing.T) {
	a := newAMD(true, time.Minute)
	pcm := speak(t, machineGreeting)
	for i := 0; i+160 <= len(pcm); i += 160 {
		require.False(t, a.beep(pcm[i:i+160]), "beep at %d ms", i/8)
	}
}

// FuzzAMD: any μ-law the far end sends, in any block sizes, never panics,
// and a decision always comes by the timeout, with a Twilio AnsweredBy
// value.
func FuzzAMD(f *testing.F) {
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80}, uint8(160), false)
	f.Add(make([]byte, 4000), uint8(7), true)
	f.Fuzz(func(t *testing.T, payload []byte, block uint8, detectEnd bool) {
		a := newAMD(detectEnd, 3*time.Second)
		pcm := make([]int16, len(payload))
		g711.Ulaw.Decode(pcm, payload)
		n := int(block) + 1
		for i := 0; i < len(pcm); i += n {
			a.Feed(pcm[i:min(i+n, len(pcm))])
		}
		// Then silence up to the timeout.
		r, ok := "", false
		for i := 0; i < 151 && !ok; i++ {
			r, ok = a.Feed(silence(20 * time.Millisecond))
		}
		require.True(t, ok, "no decision by the timeout")
		require.Contains(t, []string{AnsweredHuman, AnsweredMachineStart, AnsweredMachineEndBeep, AnsweredMachineEndSilence,
			AnsweredMachineEndOther, AnsweredUnknown}, r)
		if !detectEnd {
			require.NotContains(t, []string{AnsweredMachineEndBeep, AnsweredMachineEndSilence, AnsweredMachineEndOther}, r)
		}
	})
}
