#!/usr/bin/python3
"""Generate golden.json: reference SMS PDUs made by Debian's python3-gammu, so that the
Go codec in app/sms/pdu is checked against a mature, independent implementation and not
only against itself.

How golden.json was generated (once; the JSON is committed, tests never need gammu):
    apt-get install -y python3-gammu          # Debian 12: python3-gammu 3.2.4, libgammu 1.42.0
    cd app/sms/pdu/testdata && /usr/bin/python3 gen_golden.py > golden.json
(Use /usr/bin/python3: a pyenv python3 on PATH does not see Debian's modules.)

Three kinds of vector:
  submit         gammu.EncodeSMS splits the text (ConcatenatedTextLong: 8-bit reference UDH),
                 gammu.EncodePDU encodes each part. Our encoder must give the same TPDU.
                 gammu writes an empty SMSC as 01 81, we write 00 (both mean "the modem's
                 SMSC"); the tests compare the TPDU, and the whole PDU when an SMSC is given.
  deliver        gammu.EncodePDU with Type Deliver (it always writes time zone 00), plus
                 hand-written PDUs (time zones, 8-bit data) that gammu.DecodePDU accepted; the
                 fields gammu decoded are recorded for our decoder to match.
  status_report  hand-written STATUS-REPORT PDUs decoded by gammu.DecodePDU.
"""
import datetime
import json
import sys

import gammu

VALIDITY = {1440: '1D', 10080: '1W', 120: '2H'}


def submit_case(name, text, to, smsc='', validity=1440, report=False, mr=0, unicode=None):
    if unicode is None:
        unicode = not all(is_gsm(c) for c in text)
    parts = gammu.EncodeSMS({'Unicode': unicode, 'Entries': [{'ID': 'ConcatenatedTextLong', 'Buffer': text}]})
    out = []
    ref = None
    for p in parts:
        p['SMSC'] = {'Location': 0, 'Number': smsc, 'Format': 'Text', 'Validity': VALIDITY[validity]}
        p['Number'] = to
        p['MessageReference'] = mr
        if report:
            p['Type'] = 'Status_Report'
        if p['UDH']['Type'] != 'NoUDH':
            ref = p['UDH']['ID8bit']
        pdu = gammu.EncodePDU(p)
        smsc_len = pdu[0] + 1
        out.append({'pdu': pdu.hex().upper(), 'tpdu_len': len(pdu) - smsc_len, 'text': p['Text'],
                    'coding': p['Coding']})
    return {'name': name, 'text': text, 'to': to, 'smsc': smsc, 'validity_minutes': validity,
            'status_report': report, 'mr': mr, 'ref': ref, 'parts': out}


GSM = ('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ'
       'ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà' '\f^{}\\[~]|€')


def is_gsm(c):
    return c in GSM


def decoded(pdu_hex):
    m = gammu.DecodePDU(bytes.fromhex(pdu_hex))
    udh = m['UDH']
    return {'pdu': pdu_hex.upper(), 'type': m['Type'], 'smsc': m['SMSC']['Number'], 'number': m['Number'],
            'text': m['Text'] if isinstance(m['Text'], str) else m['Text'].hex(), 'coding': m['Coding'],
            'class': m['Class'], 'mr': m['MessageReference'], 'delivery_status': m['DeliveryStatus'],
            'time': m['DateTime'].isoformat() if m['DateTime'] else None,
            # SMSCDateTime is the discharge time in a status report (for a DELIVER gammu fills in now)
            'discharge_time': m['SMSCDateTime'].isoformat() if m['Type'] == 'Status_Report' else None,
            'udh': {'type': udh['Type'], 'ref': udh['ID8bit'], 'ref16': udh['ID16bit'],
                    'part': udh['PartNumber'], 'total': udh['AllParts']}}


def deliver_case(name, text, sender, smsc, when, unicode=False, part=None):
    parts = gammu.EncodeSMS({'Unicode': unicode, 'Entries': [{'ID': 'ConcatenatedTextLong', 'Buffer': text}]})
    p = parts[part or 0]
    p['Type'] = 'Deliver'
    p['Number'] = sender
    p['SMSC'] = {'Location': 0, 'Number': smsc, 'Format': 'Text', 'Validity': 'NA'}
    p['DateTime'] = when
    d = decoded(gammu.EncodePDU(p, 'Deliver').hex())
    d['name'] = name
    return d


def handmade(name, pdu_hex):
    d = decoded(pdu_hex)
    d['name'] = name
    return d


long7 = ('Long messages are split into parts of 153 septets, each with a header that says '
         'which message it belongs to and where it goes; the phone puts them back together. ')
long7 = (long7 * 2)[:200]
longU = ('Привет, это длинное сообщение в кодировке UCS-2 с эмодзи 😀 ' * 2)[:100]

when = datetime.datetime(2024, 5, 6, 7, 8, 9)
golden = {
    'generator': 'python3-gammu %s (libgammu %s), app/sms/pdu/testdata/gen_golden.py' % (gammu.Version()[1], gammu.Version()[0]),
    'submit': [
        submit_case('gsm7 plain', 'Hello from Switchboard!', '+15551234567'),
        submit_case('gsm7 national number, 1 week', 'Your code is 4711', '0612345678', validity=10080),
        submit_case('gsm7 extension characters', 'Price: 5€ {a|b} [x] ~y^ \\z', '+15551234567'),
        submit_case('gsm7 with smsc, report, mr', 'Status report please @ £5', '+4915112345678', smsc='+4917100000', report=True, mr=42, validity=120),
        submit_case('ucs2 with emoji', 'Grüße 👋 from 東京 😀', '+15551234567'),
        submit_case('ucs2 with smsc', 'Ça va? Привет', '+33612345678', smsc='+33609001390'),
        submit_case('gsm7 2 parts', long7, '+15551234567'),
        submit_case('ucs2 2 parts', longU, '+15551234567', smsc='+15550000000', report=True),
    ],
    'deliver': [
        deliver_case('alphanumeric sender', 'hi there', 'Vodafone', '+4477', when),
        deliver_case('international sender', 'Reply YES to confirm', '+15551234567', '+15550000000', when),
        deliver_case('national sender, ucs2 emoji', 'Ok 👍 до встречи', '0612345678', '+33609001390', when, unicode=True),
        deliver_case('concatenated part 2 of 2', long7, '+15551234567', '+15550000000', when, part=1),
        # time zone +02:00 (8 quarters: 80), 7-bit "hello"
        handmade('time zone +2h', '07915155000000F0040B915155214365F700004250607080908005E8329BFD06'),
        # time zone -05:00 (20 quarters, sign bit: 0A), flash (DCS 10)
        handmade('time zone -5h flash', '00040B915155214365F700104250607080900A05E8329BFD06'),
        # 8-bit data, DCS 04
        handmade('8-bit data', '00040B915155214365F700044250607080900004DEADBEEF'),
    ],
    'status_report': [
        handmade('delivered', '0006070B915155214365F7422150714500804221507145108000'),
        handmade('pending', '00062A0B915155214365F7422150714500804221507145108030'),
        handmade('failed', '0006FF0B915155214365F7422150714500804221507145108045'),
    ],
}
json.dump(golden, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write('\n')
