#!/usr/bin/perl
# A scripted SMSC for the smpp package's tests, built on Debian's Net::SMPP
# (libnet-smpp-perl): an SMPP implementation that is not ours, so what it accepts is SMPP,
# not our reading of it.
#
#   perl smsc.pl PASSWORD     listens on 127.0.0.1, a free port, and prints "LISTEN <port>"
#
# It accepts bind_transceiver (system_id any, the given password; anything else is answered
# ESME_RINVPASWD), answers submit_sm with message ids m1, m2, … and prints what it decoded
# (UDH and text, hex of UTF-8). Commands on stdin, one a line:
#   status HEX            the next submit_sm is answered with this command_status
#   noresp                the next submit_sm is not answered
#   drop                  close the connection
#   enquire, unbind       send enquire_link / unbind to the client
#   receipt ID STAT       send a delivery receipt (text and TLVs) for message ID
#   mo FROM TO DC ESM HEX send a deliver_sm with this short_message (HEX) [REF TOTAL SEQ: sar_*]
# and it prints:  BIND, SUBMIT …, DELIVER_RESP seq=… status=…, ENQUIRE(_RESP), UNBIND(_RESP),
# CLOSED.
use strict;
use warnings;
use Net::SMPP;
use IO::Select;
use Encode qw(decode encode);

$| = 1;
my $password = shift // 'secret';
my $listen = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34)
  or die "listen: $!";
print "LISTEN ", $listen->sockport, "\n";

# GSM 03.38 default alphabet, by septet, as Unicode code points; 0x1B is the escape.
my @gsm = (0x40,0xA3,0x24,0xA5,0xE8,0xE9,0xF9,0xEC,0xF2,0xC7,0x0A,0xD8,0xF8,0x0D,0xC5,0xE5,
           0x394,0x5F,0x3A6,0x393,0x39B,0x3A9,0x3A0,0x3A8,0x3A3,0x398,0x39E,0x1B,0xC6,0xE6,0xDF,0xC9,
           0x20..0x23,0xA4,0x25..0x3F,
           0xA1,0x41..0x5A,0xC4,0xD6,0xD1,0xDC,0xA7,
           0xBF,0x61..0x7A,0xE4,0xF6,0xF1,0xFC,0xE0);
my %gsmext = (0x0A=>0x0C, 0x14=>0x5E, 0x28=>0x7B, 0x29=>0x7D, 0x2F=>0x5C, 0x3C=>0x5B,
              0x3D=>0x7E, 0x3E=>0x5D, 0x40=>0x7C, 0x65=>0x20AC);

sub gsm_text {
    my @s = unpack 'C*', shift;
    my $out = '';
    for (my $i = 0; $i < @s; $i++) {
        if ($s[$i] == 0x1B && $i + 1 < @s) { $i++; $out .= chr($gsmext{$s[$i]} // $gsm[$s[$i] & 0x7F]); next }
        $out .= chr($gsm[$s[$i] & 0x7F]);
    }
    return $out;
}

sub text_of {
    my ($dc, $bytes) = @_;
    return gsm_text($bytes) if $dc == 0;
    return decode('UTF-16BE', $bytes) if $dc == 8;
    return decode('iso-8859-1', $bytes);
}

my $sel = IO::Select->new($listen, \*STDIN);
my ($conn, $inbuf, $msgid, $next_status, $noresp) = (undef, '', 0, undef, 0);

sub close_conn {
    return unless $conn;
    $sel->remove($conn);
    $conn->close;
    $conn = undef;
    print "CLOSED\n";
}

sub on_pdu {
    my $pdu = shift;
    my $cmd = $pdu->{cmd};
    if ($cmd == 0x00000009) {    # bind_transceiver
        my $ok = ($pdu->{password} // '') eq $password;
        print "BIND system_id=$pdu->{system_id} ok=", ($ok ? 1 : 0), "\n";
        $conn->bind_transceiver_resp(seq => $pdu->{seq}, status => ($ok ? 0 : 0x0E), system_id => 'perlsmsc');
        close_conn() unless $ok;
    } elsif ($cmd == 0x00000004) {    # submit_sm
        my $sm = $pdu->{short_message};
        my ($ref, $total, $seq) = ('-', 1, 1);
        if ($pdu->{esm_class} & 0x40) {
            my $udhl = unpack 'C', $sm;
            my $udh = substr($sm, 1, $udhl);
            $sm = substr($sm, 1 + $udhl);
            while (length $udh >= 2) {
                my ($iei, $l) = unpack 'CC', $udh;
                my @d = unpack 'C*', substr($udh, 2, $l);
                ($ref, $total, $seq) = @d if $iei == 0 && $l == 3;
                $udh = substr($udh, 2 + $l);
            }
        }
        my $text = unpack 'H*', encode('UTF-8', text_of($pdu->{data_coding}, $sm));
        my $id = '-';
        if (defined $next_status) {
            $conn->submit_sm_resp(seq => $pdu->{seq}, status => $next_status, message_id => '');
            $id = sprintf 'status:0x%02X', $next_status;
            $next_status = undef;
        } elsif ($noresp) {
            $noresp = 0;
            $id = 'noresp';
        } else {
            $id = 'm' . ++$msgid;
            $conn->submit_sm_resp(seq => $pdu->{seq}, message_id => $id);
        }
        print "SUBMIT src=$pdu->{source_addr} ston=$pdu->{source_addr_ton} snpi=$pdu->{source_addr_npi}",
          " dst=$pdu->{destination_addr} dton=$pdu->{dest_addr_ton} dnpi=$pdu->{dest_addr_npi}",
          " esm=$pdu->{esm_class} dc=$pdu->{data_coding} reg=$pdu->{registered_delivery}",
          " ref=$ref total=$total seq=$seq id=$id text=$text\n";
    } elsif ($cmd == 0x80000005) {
        print "DELIVER_RESP seq=$pdu->{seq} status=$pdu->{status}\n";
    } elsif ($cmd == 0x00000015) {
        print "ENQUIRE\n";
        $conn->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == 0x00000006) {
        print "UNBIND\n";
        $conn->unbind_resp(seq => $pdu->{seq});
        close_conn();
    } elsif ($cmd == 0x80000015) {
        print "ENQUIRE_RESP seq=$pdu->{seq}\n";
    } elsif ($cmd == 0x80000006) {
        print "UNBIND_RESP\n";
    } else {
        printf "OTHER cmd=0x%08X\n", $cmd;
        $conn->generic_nack(seq => $pdu->{seq}, status => 3);
    }
}

my %states = (DELIVRD => 2, EXPIRED => 3, DELETED => 4, UNDELIV => 5, ACCEPTD => 6, UNKNOWN => 7, REJECTD => 8, ENROUTE => 1);

sub on_command {
    my @w = split ' ', shift;
    return unless @w;
    my $c = shift @w;
    if ($c eq 'status') { $next_status = hex $w[0]; print "OK status\n"; return }
    if ($c eq 'noresp') { $noresp = 1; print "OK noresp\n"; return }
    if ($c eq 'drop') { close_conn(); print "OK drop\n"; return }
    return print "ERR not connected\n" unless $conn;
    if ($c eq 'enquire') { my $s = $conn->enquire_link(async => 1); print "OK enquire seq=$s\n"; return }
    if ($c eq 'unbind') { my $s = $conn->unbind(async => 1); print "OK unbind seq=$s\n"; return }
    if ($c eq 'receipt') {
        my ($id, $stat) = @w;
        my $text = "id:$id sub:001 dlvrd:" . ($stat eq 'DELIVRD' ? '001' : '000')
          . " submit date:2612031345 done date:2612031346 stat:$stat err:000 text:hello";
        my $seq = $conn->deliver_sm(async => 1, source_addr_ton => 1, source_addr_npi => 1, source_addr => '15557654321',
            dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '15551234567', esm_class => 0x04,
            data_coding => 0, short_message => $text,
            receipted_message_id => "$id\0", message_state => pack('C', $states{$stat} // 7));
        print "OK receipt seq=$seq\n";
    } elsif ($c eq 'mo') {
        my ($from, $to, $dc, $esm, $hex, $ref, $total, $seq) = @w;
        my @sar = defined $seq ? (sar_msg_ref_num => pack('n', $ref), sar_total_segments => pack('C', $total),
                                  sar_segment_seqnum => pack('C', $seq)) : ();
        my $s = $conn->deliver_sm(async => 1, source_addr_ton => 1, source_addr_npi => 1, source_addr => $from,
            dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => $to, esm_class => $esm,
            data_coding => $dc, short_message => pack('H*', $hex), @sar);
        print "OK mo seq=$s\n";
    } else {
        print "ERR unknown command $c\n";
    }
}

while (1) {
    for my $fh ($sel->can_read) {
        if ($fh == $listen) {
            my $new = $listen->accept or next;
            close_conn() if $conn;
            $conn = $new;
            $sel->add($conn);
            print "ACCEPTED\n";
        } elsif ($fh == \*STDIN) {
            my $n = sysread(STDIN, $inbuf, 4096, length $inbuf);
            exit 0 unless $n;
            while ($inbuf =~ s/^([^\n]*)\n//) { on_command($1) }
        } elsif ($conn && $fh == $conn) {
            my $pdu = $conn->read_pdu;
            if (!$pdu) { close_conn(); next }
            on_pdu($pdu);
        }
    }
}
