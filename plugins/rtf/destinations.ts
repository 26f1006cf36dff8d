/**
 * Control words that start a destination: the list of RTF 1.9.1 (section "Destinations"), as
 * rtfobj uses it: without \rtf itself, \private and \pxe (Word does not treat them as
 * destinations), plus \margSz, \pnaiu and \pnaiud. Case matters: \OBJDATA is no destination.
 * What a destination is decides where text goes, so this list decides which bytes count as object data.
 */
export const DESTINATIONS: ReadonlySet<string> = new Set(
  `
  aftncn aftnsep aftnsepc annotation atnauthor atndate atnid atnparent atnref atrfend atrfstart author
  background bkmkend bkmkstart blipuid buptim category colorschememapping colortbl comment company creatim
  datafield datastore defchp defpap do doccomm docvar dptxbxtext ebcend ebcstart factoidname falt fchars
  ffdeftext ffentrymcr ffexitmcr ffformat ffhelptext ffl ffname ffstattext field file filetbl fldinst
  fldrslt fldtype fontemb fonttbl footer footerf footerl footerr footnote formfield ftncn ftnsep ftnsepc g
  generator gridtbl header headerf headerl headerr hl hlfr hlinkbase hlloc hlsrc hsv info keywords
  latentstyles lchars levelnumbers leveltext lfolevel linkval list listlevel listname listoverride
  listoverridetable listpicture liststylename listtable listtext lsdlockedexcept macc maccPr mailmerge
  malnScr manager margPr margSz mbar mbarPr mbaseJc mbegChr mborderBox mborderBoxPr mbox mboxPr mchr mcount
  mctrlPr md mdPr mdeg mdegHide mden mdiff me mendChr meqArr meqArrPr mf mfName mfPr mfunc mfuncPr mgroupChr
  mgroupChrPr mgrow mhideBot mhideLeft mhideRight mhideTop mlim mlimLoc mlimLow mlimLowPr mlimUpp mlimUppPr
  mm mmPr mmaddfieldname mmathPict mmaxDist mmc mmcJc mmcPr mmconnectstr mmconnectstrdata mmcs mmdatasource
  mmheadersource mmmailsubject mmodso mmodsofilter mmodsofldmpdata mmodsomappedname mmodsoname
  mmodsorecipdata mmodsosort mmodsosrc mmodsotable mmodsoudl mmodsoudldata mmodsouniquetag mmquery mmr mnary
  mnaryPr mnoBreak mnum moMath moMathPara moMathParaPr mobjDist mopEmu mphant mphantPr mplcHide mpos mr mrPr
  mrad mradPr msPre msPrePr msSub msSubPr msSubSup msSubSupPr msSup msSupPr msepChr mshow mshp mstrikeBLTR
  mstrikeH mstrikeTLBR mstrikeV msub msubHide msup msupHide mtransp mtype mvertJc mvfmf mvfml mvtof mvtol
  mzeroAsc mzeroDesc mzeroWid nesttableprops nonesttables objalias objclass objdata object objname objsect
  oldcprops oldpprops oldsprops oldtprops oleclsid operator panose password passwordhash pgp pgptbl picprop
  pict pn pnaiu pnaiud pnseclvl pntext pntxta pntxtb printim propname protend protstart protusertbl result
  revtbl revtim rxe shp shpgrp shpinst shppict shprslt shptxt sn sp staticval stylesheet subject sv svb tc
  template themedata title txe ud upr userprops wgrffmtfilter windowcaption writereservation writereservhash
  xe xform xmlattrname xmlattrvalue xmlclose xmlname xmlnstbl xmlopen
`
    .split(/\s+/)
    .filter(Boolean),
);
